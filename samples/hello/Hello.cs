// The managed side of the hello sample. `aotinterop publish` scans the assembly mcs builds from
// this file; hello.c stands in for the code the .NET AOT compiler would generate for Main.
using System;
using System.Runtime.InteropServices;

namespace Hello
{
    // Direct on Linux: the request's DirectPInvoke item `libc` makes the loader bind these at
    // startup.
    static class Libc
    {
        [DllImport("libc")]
        public static extern int getpid();

        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr write(int fd, byte[] buffer, IntPtr count);
    }

    // Direct on Windows: kernel32!GetCurrentProcessId is in the Windows API list.
    static class Kernel32
    {
        [DllImport("kernel32")]
        public static extern uint GetCurrentProcessId();
    }

    // Lazy: zlib is loaded on the first call.
    static class Zlib
    {
        [DllImport("libz.so.1")]
        public static extern IntPtr zlibVersion();

        [DllImport("libz.so.1")]
        public static extern uint crc32(uint crc, byte[] buffer, uint length);
    }

    // Lazy on Windows: shlwapi is not in the Windows API list.
    static class Shlwapi
    {
        [DllImport("shlwapi", CharSet = CharSet.Unicode)]
        public static extern bool PathIsRelative(string path);
    }

    // Lazy, and absent everywhere: only the call that needs it fails.
    static class Optional
    {
        [DllImport("aotinterop-sample-absent")]
        public static extern int optional_feature(int value);
    }

    static class Program
    {
        static int Main()
        {
            Console.WriteLine("hello from pid {0}", Environment.OSVersion.Platform == PlatformID.Win32NT
                ? (int)Kernel32.GetCurrentProcessId() : Libc.getpid());
            try
            {
                Optional.optional_feature(1);
            }
            catch (DllNotFoundException e)
            {
                Console.WriteLine(e.Message);
            }
            return 0;
        }
    }
}
