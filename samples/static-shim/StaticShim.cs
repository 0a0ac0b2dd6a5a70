// The static-shim sample: P/Invokes into a shim library that is linked statically (NativeLibrary
// item) and bound directly (DirectPInvoke item), as .NET links its own System.*.Native shims into
// native AOT images. On linux-x64 Mono's AOT compiler compiles this Main; elsewhere main.c stands
// in for it.
using System;
using System.Runtime.InteropServices;

namespace StaticShim
{
    static unsafe class Interop
    {
        [DllImport("libSampleNative", CallingConvention = CallingConvention.Cdecl)]
        public static extern int SampleNative_Add(int a, int b);

        [DllImport("libSampleNative", CallingConvention = CallingConvention.Cdecl)]
        public static extern long SampleNative_Sum(int* values, int count);

        [DllImport("libSampleNative", CallingConvention = CallingConvention.Cdecl)]
        public static extern int SampleNative_Reverse(byte* buffer, int length);
    }

    static class Program
    {
        static unsafe int Main()
        {
            Console.WriteLine("SampleNative_Add(2, 40) = {0}", Interop.SampleNative_Add(2, 40));
            int[] values = { 1, 2, 3, 4, 1000000000, 2000000000 };
            fixed (int* p = values)
                Console.WriteLine("SampleNative_Sum = {0}", Interop.SampleNative_Sum(p, values.Length));
            byte[] text = System.Text.Encoding.ASCII.GetBytes("static shim");
            fixed (byte* p = text)
                Interop.SampleNative_Reverse(p, text.Length);
            Console.WriteLine("SampleNative_Reverse = {0}", System.Text.Encoding.ASCII.GetString(text));
            return 0;
        }
    }
}
