// The managed side of the static-shim sample: P/Invokes into a shim library that is linked
// statically (NativeLibrary item) and bound directly (DirectPInvoke item), as .NET links its own
// System.*.Native shims into native AOT images.
using System;
using System.Runtime.InteropServices;

namespace StaticShim
{
    static unsafe class Interop
    {
        [DllImport("libSampleNative")]
        public static extern int SampleNative_Add(int a, int b);

        [DllImport("libSampleNative")]
        public static extern long SampleNative_Sum(int* values, int count);

        [DllImport("libSampleNative")]
        public static extern int SampleNative_Reverse(byte* buffer, int length);
    }

    static class Program
    {
        static unsafe int Main()
        {
            Console.WriteLine("2 + 40 = {0}", Interop.SampleNative_Add(2, 40));
            int[] values = { 1, 2, 3, 4 };
            fixed (int* p = values)
                Console.WriteLine("sum = {0}", Interop.SampleNative_Sum(p, values.Length));
            return 0;
        }
    }
}
