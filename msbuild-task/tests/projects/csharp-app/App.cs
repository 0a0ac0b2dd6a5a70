using System;
using System.Runtime.InteropServices;

namespace CSharpApp
{
    static class Libc
    {
        [DllImport("libc", EntryPoint = "getpid")]
        public static extern int GetPid();

        [DllImport("libc", EntryPoint = "strlen")]
        public static extern IntPtr StrLen(string s);
    }

    static class Zlib
    {
        [DllImport("libz", EntryPoint = "zlibVersion")]
        public static extern IntPtr Version();

        [DllImport("libz", EntryPoint = "crc32")]
        public static extern uint Crc32(uint crc, byte[] buf, uint len);
    }

    static class Program
    {
        static void Main()
        {
            Console.WriteLine(Libc.GetPid());
        }
    }
}
