// A P/Invoke conformance program: one line per sub-test, `name: result`. Run by Mono's JIT (the
// oracle) and as images published by aotinterop, lazy and direct; the lines must match.
using System;
using System.Runtime.InteropServices;
using System.Text;

// Mono's full AOT compiles a native-to-managed wrapper for methods marked with an attribute of
// this name.
[AttributeUsage(AttributeTargets.Method)]
sealed class MonoPInvokeCallbackAttribute : Attribute
{
    public MonoPInvokeCallbackAttribute(Type t) { }
}

[StructLayout(LayoutKind.Sequential)]
struct Point { public int X, Y; }

[StructLayout(LayoutKind.Sequential, CharSet = CharSet.Ansi)]
struct Record
{
    public double W;
    public long Id;
    [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 8)] public string Tag;
}

sealed class ConfHandle : SafeHandle
{
    public ConfHandle(IntPtr v) : base(IntPtr.Zero, true) { SetHandle(v); }
    public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
    protected override bool ReleaseHandle() { return Native.conf_close(handle) > 0; }
}

[UnmanagedFunctionPointer(CallingConvention.Cdecl)]
delegate int Op(int a, int b);

static class Native
{
    const string Lib = "conformance";
    [DllImport(Lib)] public static extern int conf_add(int a, int b);
    [DllImport(Lib)] public static extern long conf_mul64(long a, long b);
    [DllImport(Lib)] public static extern double conf_hypot2(double a, double b);
    [DllImport(Lib)] public static extern int conf_point_sum(Point p);
    [DllImport(Lib)] public static extern void conf_point_scale(ref Point p, int k);
    [DllImport(Lib)] public static extern Point conf_point_make(int x, int y);
    [DllImport(Lib)] public static extern double conf_record_weight(Record r);
    [DllImport(Lib)] public static extern int conf_array_sum(int[] a, int n);
    [DllImport(Lib)] public static extern void conf_array_fill([Out] int[] a, int n);
    [DllImport(Lib, CharSet = CharSet.Ansi)] public static extern int conf_utf8_bytes(string s);
    [DllImport(Lib, EntryPoint = "conf_utf8_bytes")] public static extern int conf_utf8_bytes_lputf8([MarshalAs(UnmanagedType.LPUTF8Str)] string s);
    [DllImport(Lib, CharSet = CharSet.Unicode)] public static extern int conf_utf16_units(string s);
    [DllImport(Lib, CharSet = CharSet.Ansi)] public static extern void conf_fill_buffer(StringBuilder b, int cap, int n);
    [DllImport(Lib)] public static extern IntPtr conf_static_string();
    [DllImport(Lib, SetLastError = true)] public static extern int conf_fail_with(int code);
    [DllImport(Lib)] public static extern int conf_apply(Op op, int a, int b);
    [DllImport(Lib)] public static extern int conf_apply_n(Op op, int n);
    [DllImport(Lib)] public static extern int conf_apply(IntPtr op, int a, int b);
    [DllImport(Lib, EntryPoint = "conf_handle_value")] public static extern IntPtr conf_handle_ref(HandleRef h);
    [DllImport(Lib, EntryPoint = "conf_handle_value")] public static extern IntPtr conf_safe_handle(ConfHandle h);
    [DllImport(Lib)] public static extern int conf_close(IntPtr h);
    [DllImport(Lib)] public static extern int conf_closed();
    [DllImport(Lib, EntryPoint = "conf_charset", CharSet = CharSet.Ansi)] public static extern int charset_ansi(string s);
    [DllImport(Lib, EntryPoint = "conf_charset", CharSet = CharSet.Unicode)] public static extern int charset_unicode(string s);
    [DllImport(Lib, EntryPoint = "conf_charset", ExactSpelling = true)] public static extern int charset_exact(string s);
    [DllImport("libc", EntryPoint = "aotinterop_conformance_no_such_function")] public static extern int missing_entry();
    [DllImport("aotinterop-conformance-no-such-library")] public static extern int missing_library();
}

static class Program
{
    static void T(string name, Func<object> f)
    {
        string result;
        try { result = Convert.ToString(f(), System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) { result = "threw " + (e is TypeInitializationException && e.InnerException != null ? e.InnerException : e).GetType().Name; }
        Console.WriteLine(name + ": " + result);
    }

    [MonoPInvokeCallback(typeof(Op))]
    static int Subtract(int a, int b) { return a - b; }

    static int Main()
    {
        T("int", () => Native.conf_add(40, 2));
        T("int64", () => Native.conf_mul64(1L << 33, 3));
        T("double", () => Native.conf_hypot2(3.0, 4.0));
        T("struct by value", () => Native.conf_point_sum(new Point { X = 7, Y = 35 }));
        T("struct by ref", () => { var p = new Point { X = 2, Y = 3 }; Native.conf_point_scale(ref p, 10); return p.X + "," + p.Y; });
        T("struct returned", () => { var p = Native.conf_point_make(4, 5); return p.X + "," + p.Y; });
        T("struct with string", () => Native.conf_record_weight(new Record { W = 0.5, Id = 8, Tag = "abc" }));
        T("array in", () => Native.conf_array_sum(new[] { 1, 2, 3, 4, 5 }, 5));
        T("array out", () => { var a = new int[5]; Native.conf_array_fill(a, 5); return string.Join(",", a); });
        T("ansi string", () => Native.conf_utf8_bytes("h\u00e9llo"));
        T("utf8 string", () => Native.conf_utf8_bytes_lputf8("h\u00e9llo \u4e16"));
        T("null string", () => Native.conf_utf8_bytes(null));
        T("utf16 string", () => Native.conf_utf16_units("h\u00e9llo \u4e16\ud83d\ude00"));
        T("stringbuilder", () => { var b = new StringBuilder(32); Native.conf_fill_buffer(b, 32, 7); return b.ToString(); });
        T("returned string", () => Marshal.PtrToStringAnsi(Native.conf_static_string()));
        T("setlasterror", () => { Native.conf_fail_with(13); return Marshal.GetLastWin32Error(); });
        T("charset ansi", () => Native.charset_ansi("abc"));
        T("charset unicode", () => Native.charset_unicode("abc"));
        T("charset exact", () => Native.charset_exact("abcd"));
        T("handleref", () => (long)Native.conf_handle_ref(new HandleRef(null, (IntPtr)0x1234)));
        T("safehandle", () =>
        {
            long v;
            using (var h = new ConfHandle((IntPtr)0x5678)) v = (long)Native.conf_safe_handle(h);
            return v + " closed " + Native.conf_closed();
        });
        T("callback with MonoPInvokeCallback", () => Native.conf_apply(Subtract, 50, 8));
        T("callback plain delegate", () => Native.conf_apply((a, b) => a * b, 6, 7));
        T("callback called many times", () => Native.conf_apply_n((acc, i) => acc + i, 100));
        T("delegate over a DllImport method", () =>
            Native.conf_apply(Marshal.GetFunctionPointerForDelegate(new Op(Native.conf_add)), 19, 23));
        T("missing entry point", () => Native.missing_entry());
        T("missing library", () => Native.missing_library());
        T("missing library again", () => Native.missing_library());
        return 0;
    }
}
