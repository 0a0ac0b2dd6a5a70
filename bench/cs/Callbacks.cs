// The cost of a callback from native code into C#, per call: a method marked
// [MonoPInvokeCallback] (its native-to-managed wrapper compiled ahead of time) and a plain
// delegate (under mono_aot_mode: interp its wrapper runs in Mono's interpreter). Prints
// `round ATTR_NS PLAIN_NS` per round (PLAIN_NS is `-` when plain delegates cannot run, in full
// mode), then `sum` of both folds.
using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

[AttributeUsage(AttributeTargets.Method)]
sealed class MonoPInvokeCallbackAttribute : Attribute
{
    public MonoPInvokeCallbackAttribute(Type t) { }
}

[UnmanagedFunctionPointer(CallingConvention.Cdecl)]
delegate int Op(int acc, int i);

static class Callbacks
{
    [DllImport("callbacks")] static extern int cb_fold(Op op, int n);

    [MonoPInvokeCallback(typeof(Op))]
    static int Add(int acc, int i) { return acc + i; }

    static int Main(string[] args)
    {
        int n = int.Parse(args[0]), rounds = int.Parse(args[1]);
        bool plain = args.Length < 3 || args[2] != "attr-only";
        Op attr = Add;
        Op lambda = (acc, i) => acc + i;
        int s1 = 0, s2 = 0;
        for (int r = 0; r < rounds; r++)
        {
            var w = Stopwatch.StartNew();
            s1 = cb_fold(attr, n);
            double a = w.Elapsed.TotalMilliseconds * 1e6 / n;
            string p = "-";
            if (plain)
            {
                w = Stopwatch.StartNew();
                s2 = cb_fold(lambda, n);
                p = (w.Elapsed.TotalMilliseconds * 1e6 / n).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
            }
            Console.WriteLine("round " + a.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " " + p);
        }
        Console.WriteLine("sum " + s1 + " " + (plain ? s2.ToString() : "-"));
        return 0;
    }
}
