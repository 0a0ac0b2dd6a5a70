// The managed side of the native-exports sample: methods a native host calls by name.
// `[UnmanagedCallersOnly(EntryPoint = "...")]` methods are exported by NativeLib=Shared images
// (IlcExportUnmanagedEntrypoints defaults to on for them); NativeLib=Static puts them in an
// archive a C host links.
using System;
using System.Runtime.InteropServices;

namespace System.Runtime.InteropServices
{
    // Mono's class library predates this attribute; native AOT matches it by namespace and name,
    // so a definition of the app's own is read the same way.
    [AttributeUsage(AttributeTargets.Method, Inherited = false)]
    public sealed class UnmanagedCallersOnlyAttribute : Attribute
    {
        public Type[] CallConvs;
        public string EntryPoint;
    }
}

namespace NativeExports
{
    public static class Exports
    {
        [UnmanagedCallersOnly(EntryPoint = "exports_add")]
        public static int Add(int a, int b) { return a + b; }

        [UnmanagedCallersOnly(EntryPoint = "exports_scale")]
        public static double Scale(double value, double factor) { return value * factor; }

        [UnmanagedCallersOnly(EntryPoint = "exports_version")]
        public static int Version() { return 3; }

        // No EntryPoint: callable through a function pointer only, never exported by name.
        [UnmanagedCallersOnly]
        public static int Hidden() { return -1; }

        // Used by the exports: a P/Invoke made lazily from inside the library.
        [DllImport("libc", EntryPoint = "abs")]
        public static extern int Abs(int value);
    }
}
