// The managed side of the Mono AOT tests: P/Invokes of every shape through aotinterop's lazy
// stubs, compiled ahead of time by Mono. Each mode prints `key value` lines the test checks.
using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

// Full AOT compiles a callback's native-to-managed wrapper only for methods marked so (Mono
// recognises the attribute by its name).
[AttributeUsage(AttributeTargets.Method)]
sealed class MonoPInvokeCallbackAttribute : Attribute {
    public MonoPInvokeCallbackAttribute(Type type) { }
}

[StructLayout(LayoutKind.Sequential)]
struct Big { public long a, b, c; public double d; }

static class Callee {
    [DllImport("callee")] public static extern long sum8(int a, int b, int c, int d, int e, int f, int g, int h);
    [DllImport("callee")] public static extern double sum10d(double a, double b, double c, double d, double e, double f, double g, double h, double i, double j);
    [DllImport("callee")] public static extern double mix(int a, double b, int c, double d, int e, double f, int g, double h, int i, double j, long k, double l, int m, double n, int o, double p, int q, double r);
    [DllImport("callee")] public static extern Big make_big(long seed);
    [DllImport("callee")] public static extern long big_sum(Big b);
    [DllImport("callee", CharSet = CharSet.Ansi)] public static extern int strlen_ansi(string s);
    [DllImport("callee", CharSet = CharSet.Unicode)] public static extern int utf16_units(string s);
    [DllImport("callee", SetLastError = true)] public static extern int fail_with_errno(int e);
    public delegate int Callback(int x);
    [DllImport("callee")] public static extern int call_back(Callback cb, int x);
    [DllImport("callee")] public static extern int no_such_entry();
    [DllImport("nosuchlib")] public static extern int gone();
    [DllImport("latelib")] public static extern int late_value();
}

static class Broken {
    public static readonly int Value;
    // An explicit static constructor: the type is initialized at its first use, not earlier.
    static Broken() { Value = Callee.gone(); }
}

static partial class Program {
    [MonoPInvokeCallback(typeof(Callee.Callback))]
    static int Twice(int x) { return x * 2; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static int ReadBroken() { return Broken.Value; }

    static int Main(string[] args) {
        switch (args.Length > 0 ? args[0] : "abi") {
        case "abi":
            Console.WriteLine("sum8 " + Callee.sum8(1, 2, 3, 4, 5, 6, 7, 8));
            Console.WriteLine("sum10d " + Callee.sum10d(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5));
            Console.WriteLine("mix " + Callee.mix(1, 0.5, 2, 0.25, 3, 0.125, 4, 1.5, 5, 2.5, 6000000000L, 3.5, 7, 4.5, 8, 5.5, 9, 6.5));
            Big b = Callee.make_big(10);
            Console.WriteLine("make_big " + b.a + " " + b.b + " " + b.c + " " + b.d);
            Console.WriteLine("big_sum " + Callee.big_sum(b));
            Console.WriteLine("strlen_ansi " + Callee.strlen_ansi("héllo"));
            Console.WriteLine("utf16_units " + Callee.utf16_units("héllo wörld"));
            Callee.fail_with_errno(42);
            Console.WriteLine("errno " + Marshal.GetLastWin32Error());
            Console.WriteLine("call_back " + Callee.call_back(Twice, 20));
            return 0;
        case "failures":
            try { Callee.gone(); Console.WriteLine("gone returned"); }
            catch (DllNotFoundException e) { Console.WriteLine("DllNotFoundException " + e.Message.Split('\n')[0]); }
            try { Callee.no_such_entry(); Console.WriteLine("no_such_entry returned"); }
            catch (EntryPointNotFoundException e) { Console.WriteLine("EntryPointNotFoundException " + e.Message.Split('\n')[0]); }
            try { Console.WriteLine("Broken " + ReadBroken()); }
            catch (TypeInitializationException e) { Console.WriteLine("TypeInitializationException " + e.InnerException.GetType().Name); }
            try { Callee.late_value(); Console.WriteLine("late_value returned"); }
            catch (DllNotFoundException) { Console.WriteLine("late_value missing"); }
            File.Copy(Path.Combine(args[1], "liblatelib.so.later"), Path.Combine(args[1], "liblatelib.so"));
            Console.WriteLine("late_value_again " + Callee.late_value());
            return 0;
        case "threads":
            return Race();
        }
        return 2;
    }
}
