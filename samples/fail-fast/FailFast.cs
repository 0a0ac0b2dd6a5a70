// The fail-fast sample: one P/Invoke into a library that is not shipped (on linux-x64 Mono's AOT
// compiler compiles this Main; elsewhere main.c stands in for it).
// Published with a DirectPInvoke item, the image refuses to start (the OS loader cannot bind it);
// published lazily (the default), it starts and only the call fails.
using System;
using System.Runtime.InteropServices;

namespace FailFast
{
    static class Interop
    {
        [DllImport("failfast-dep", CallingConvention = CallingConvention.Cdecl)]
        public static extern int failfast_dep_value();
    }

    static class Program
    {
        static int Main()
        {
            Console.WriteLine("started");
            Console.WriteLine(Interop.failfast_dep_value());
            return 0;
        }
    }
}
