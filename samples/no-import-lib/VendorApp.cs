// The no-import-lib sample: an app calling a vendor's library directly (DirectPInvoke) when the
// vendor ships only the library itself — a DLL without an import library, or, for another
// machine, a shared library the build machine cannot link against. main.c stands in for what an
// AOT compiler would make of Main.
using System;
using System.Runtime.InteropServices;

namespace VendorApp
{
    static class Vendor
    {
        [DllImport("vendor", CallingConvention = CallingConvention.Cdecl)]
        public static extern int vendor_add(int a, int b);

        [DllImport("vendor", CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr vendor_name();

        // Windows: the DLL exports this function by ordinal only (NONAME in vendor.def).
        [DllImport("vendor", EntryPoint = "#7", CallingConvention = CallingConvention.Cdecl)]
        public static extern int vendor_secret();
    }

    static class Program
    {
        static int Main()
        {
            Console.WriteLine(Marshal.PtrToStringAnsi(Vendor.vendor_name()));
            Console.WriteLine("vendor_add(2, 40) = " + Vendor.vendor_add(2, 40));
            if (Environment.OSVersion.Platform == PlatformID.Win32NT)
                Console.WriteLine("ordinal 7 = " + Vendor.vendor_secret());
            return 0;
        }
    }
}
