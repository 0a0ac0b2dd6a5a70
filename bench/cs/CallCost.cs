// The lazy-versus-direct benchmark of compiled C# (bench/src/mono.rs). One native function,
// `ulong f(ulong)`, in two libraries: `costdirect` is bound by the OS loader at startup
// (DirectPInvoke), `costlazy` by aotinterop's resolver on the first call. Mono's AOT compiler
// compiles this; after both are bound and warm, each round times n calls of each (the order
// alternating from round to round) and prints the two times per call, in ns.
using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

static class Native
{
    [DllImport("costdirect")]
    public static extern ulong cost_direct(ulong x);

    [DllImport("costlazy")]
    public static extern ulong cost_lazy(ulong x);
}

static class Program
{
    static double NsPerCall(long ticks, long n)
    {
        return ticks * 1e9 / Stopwatch.Frequency / n;
    }

    // Two loops, not one over a delegate: each call site is the P/Invoke itself, as in an app.
    static double Direct(long n, out ulong acc)
    {
        acc = 0;
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < n; i++)
            acc += Native.cost_direct((ulong)i);
        sw.Stop();
        return NsPerCall(sw.ElapsedTicks, n);
    }

    static double Lazy(long n, out ulong acc)
    {
        acc = 0;
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < n; i++)
            acc += Native.cost_lazy((ulong)i);
        sw.Stop();
        return NsPerCall(sw.ElapsedTicks, n);
    }

    static int Main(string[] args)
    {
        long n = long.Parse(args[0], CultureInfo.InvariantCulture);
        int rounds = int.Parse(args[1], CultureInfo.InvariantCulture);
        ulong direct, lazy;
        Direct(n, out direct);
        Lazy(n, out lazy);
        // The sums, for the harness to check against its own.
        Console.WriteLine("sums {0} {1}", direct, lazy);
        for (int r = 0; r < rounds; r++)
        {
            double d, l;
            if (r % 2 == 0)
            {
                d = Direct(n, out direct);
                l = Lazy(n, out lazy);
            }
            else
            {
                l = Lazy(n, out lazy);
                d = Direct(n, out direct);
            }
            Console.WriteLine("round {0} {1}", d.ToString("R", CultureInfo.InvariantCulture),
                l.ToString("R", CultureInfo.InvariantCulture));
        }
        return 0;
    }
}
