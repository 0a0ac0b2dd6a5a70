// The hello sample. On linux-x64 Mono's AOT compiler compiles it (`compiler: mono`) and this
// Main runs; elsewhere `aotinterop publish` scans the assembly mcs builds from this file and
// hello.c stands in for the code an AOT compiler would generate for Main.
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
            if (Environment.OSVersion.Platform == PlatformID.Win32NT)
            {
                Console.WriteLine("hello from pid {0} (GetCurrentProcessId: direct, bound at startup)",
                    Kernel32.GetCurrentProcessId());
                Console.WriteLine("PathIsRelative(\"a\\b\") = {0} (shlwapi: lazy, bound on first call)",
                    Shlwapi.PathIsRelative("a\\b") ? 1 : 0);
            }
            else
            {
                Console.WriteLine("hello from pid {0} (getpid: direct, bound at startup)", Libc.getpid());
                Console.Out.Flush();
                byte[] line = System.Text.Encoding.ASCII.GetBytes("write: direct, bound at startup\n");
                Libc.write(1, line, (IntPtr)line.Length);
                byte[] text = System.Text.Encoding.ASCII.GetBytes("hello");
                Console.WriteLine("zlib {0}: crc32(\"hello\") = 0x{1:x8} (lazy, bound on first call)",
                    Marshal.PtrToStringAnsi(Zlib.zlibVersion()), Zlib.crc32(0, text, 5));
            }
            try
            {
                Optional.optional_feature(1);
            }
            catch (DllNotFoundException e)
            {
                Console.WriteLine("caught: {0}: {1}", e.GetType(), e.Message);
            }
            Console.WriteLine("optional_feature threw; still running: only the call that needed the missing library failed");
            return 0;
        }
    }
}
