// Every DllImport and UnmanagedCallersOnly form the scanner reads. Compiled by the scan tests
// with Mono's mcs; the tests assert exactly what is declared here.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories)]

namespace System.Runtime.InteropServices
{
    // Mono's class library predates this attribute; an assembly may define it itself, and the
    // scanner must match it by namespace and name.
    [AttributeUsage(AttributeTargets.Method, Inherited = false)]
    public sealed class UnmanagedCallersOnlyAttribute : Attribute
    {
        public Type[] CallConvs;
        public string EntryPoint;
    }
}

namespace Sample.Interop
{
    public static class Native
    {
        [DllImport("libc")]
        public static extern int getpid();

        [DllImport("libc", EntryPoint = "write", SetLastError = true)]
        public static extern IntPtr Write(int fd, byte[] buffer, UIntPtr count);

        [DllImport("user32.dll", CharSet = CharSet.Unicode, ExactSpelling = true)]
        public static extern int MessageBoxW(IntPtr hwnd, string text, string caption, uint type);

        [DllImport("user32.dll", CharSet = CharSet.Ansi)]
        public static extern int MessageBox(IntPtr hwnd, string text, string caption, uint type);

        [DllImport("kernel32.dll", CharSet = CharSet.Auto, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern uint GetModuleFileName(IntPtr module, System.Text.StringBuilder name, uint size);

        [DllImport("msvcrt", CallingConvention = CallingConvention.Cdecl)]
        public static extern int printf(string format);

        [DllImport("kernel32.dll", CallingConvention = CallingConvention.StdCall)]
        public static extern uint GetTickCount();

        [DllImport("kernel32.dll", EntryPoint = "LoadLibraryExW", CharSet = CharSet.Unicode, SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        public static extern IntPtr LoadLibraryEx(string name, IntPtr file, uint flags);

        public static class Outer
        {
            public static class Inner
            {
                [DllImport("libz.so.1", EntryPoint = "zlibVersion")]
                public static extern IntPtr ZlibVersion();
            }
        }
    }

    public static class Exports
    {
        [UnmanagedCallersOnly(EntryPoint = "sample_add", CallConvs = new[] { typeof(CallConvCdecl) })]
        public static int Add(int a, int b) { return a + b; }

        [UnmanagedCallersOnly(EntryPoint = "sample_version")]
        public static int Version() { return 3; }

        // No EntryPoint: callable through a function pointer only, never exported by name.
        [UnmanagedCallersOnly]
        public static void Callback() { }

        [UnmanagedCallersOnly(EntryPoint = "")]
        public static void Unnamed() { }
    }
}
