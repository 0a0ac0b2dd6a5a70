// A second assembly: the same C library spelled another way, one entry point declared with a
// different signature, and an entry point name the first assembly exports too.
using System;
using System.Runtime.InteropServices;

namespace System.Runtime.InteropServices
{
    [AttributeUsage(AttributeTargets.Method, Inherited = false)]
    public sealed class UnmanagedCallersOnlyAttribute : Attribute
    {
        public string EntryPoint;
    }
}

namespace Sample.Other
{
    internal static class Libc
    {
        [DllImport("libc.so.6")]
        internal static extern int getpid();

        [DllImport("libc", EntryPoint = "getpid")]
        internal static extern long GetPid64();
    }

    public static class Plugin
    {
        [UnmanagedCallersOnly(EntryPoint = "sample_add")]
        public static int Add(int a, int b) { return a + b; }

        [UnmanagedCallersOnly(EntryPoint = "plugin_init")]
        public static int Init() { return 0; }
    }
}
