// MSBuild task: gathers the interop items and properties of a project into a publish request
// (docs/request.md) and writes it, touching the file only when its text changes, so that the
// request file can stand in the Inputs of the publish target.

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace AotInterop.Build
{
    /// <summary>Writes the publish request of a project.</summary>
    public sealed class AotInteropWriteRequest : Task
    {
        /// <summary>The request file to write.</summary>
        [Required]
        public string RequestFile { get; set; }

        /// <summary>The project file; relative paths resolve against its folder, and errors point at it.</summary>
        public string ProjectFile { get; set; }

        /// <summary><c>RuntimeIdentifier</c>, such as <c>linux-x64</c>.</summary>
        public string RuntimeIdentifier { get; set; }

        /// <summary><c>NativeLib</c>: empty for an executable, <c>Shared</c> or <c>Static</c>.</summary>
        public string NativeLib { get; set; }

        /// <summary>`TargetFramework` (or an ILCompiler version): whose native AOT rules apply.</summary>
        public string TargetFramework { get; set; }

        /// <summary>`InvariantGlobalization`.</summary>
        public string InvariantGlobalization { get; set; }

        /// <summary>`AotInteropSdkDirectPInvoke`: false leaves out the SDK's own DirectPInvoke items.</summary>
        public string SdkDirectPInvoke { get; set; }

        /// <summary>`AotInteropSearchCurrentDirectory`: true lets the lazy resolver search the current directory, as .NET does.</summary>
        public string SearchCurrentDirectory { get; set; }

        /// <summary>`StripSymbols` (native AOT's): false keeps the debug information in the image; default true (IMAGE.dbg beside it).</summary>
        public string StripSymbols { get; set; }

        /// <summary>`StaticExecutable` (native AOT's): true links a static Linux executable (`-static-pie`); every import must then be direct.</summary>
        public string StaticExecutable { get; set; }

        /// <summary>`PositionIndependentExecutable` (native AOT's): false links `-no-pie` (`-static` with StaticExecutable); default true.</summary>
        public string PositionIndependentExecutable { get; set; }

        /// <summary>`AotInteropGenerateImportLibraries`: true links direct imports whose library the link lacks against generated stand-ins (import library, stub shared object, .tbd).</summary>
        public string GenerateImportLibraries { get; set; }

        /// <summary>`AotInteropAssemblyDirectory`: `image` (default) or `executable` (.NET's, for NativeLib=Shared).</summary>
        public string AssemblyDirectory { get; set; }

        /// <summary>`AotInteropCompiler`: `mono` compiles the assemblies with Mono's AOT compiler; empty: the project's own objects.</summary>
        public string Compiler { get; set; }

        /// <summary>`AotInteropMonoAotMode`: `interp` (default) or `full`, for `compiler: mono`.</summary>
        public string MonoAotMode { get; set; }

        /// <summary>The image to produce.</summary>
        public string OutputImage { get; set; }

        /// <summary><c>IlcExportUnmanagedEntrypoints</c>: empty (the default for NativeLib), true or false.</summary>
        public string IlcExportUnmanagedEntrypoints { get; set; }

        /// <summary>The Windows API list: a path, <c>false</c> for none, or empty to look for it.</summary>
        public string WindowsApiList { get; set; }

        /// <summary>Linker flavour (gcc, clang, lld-link, mingw, ld64); empty for the RID's default.</summary>
        public string LinkerFlavor { get; set; }

        /// <summary>Linker program; empty for the RID's default.</summary>
        public string Linker { get; set; }

        /// <summary>Sysroot for the link preflight.</summary>
        public string SysRoot { get; set; }

        /// <summary>The folder of the runtime archives (`TRIPLE/libaotinterop_runtime.a`).</summary>
        public string RuntimeDirectory { get; set; }

        /// <summary>`AotInteropCacheDirectory`: where `compiler: mono` keeps compiled assemblies.</summary>
        public string CacheDirectory { get; set; }

        /// <summary>`AotInteropIntermediateDirectory`: where generated files go.</summary>
        public string IntermediateDirectory { get; set; }

        /// <summary>The plan report the step writes: checked to be nothing or a file (a FIFO or
        /// a device there made MSBuild take the step as up to date).</summary>
        public string PlanReport { get; set; }

        /// <summary><c>DirectPInvoke</c> items: <c>module</c> or <c>module!entry</c>.</summary>
        public ITaskItem[] DirectPInvoke { get; set; }

        /// <summary><c>DirectPInvokeList</c> items: files of such lines.</summary>
        public ITaskItem[] DirectPInvokeList { get; set; }

        /// <summary><c>NativeLibrary</c> items: archives and import libraries to link.</summary>
        public ITaskItem[] NativeLibrary { get; set; }

        /// <summary><c>LinkerArg</c> items.</summary>
        public ITaskItem[] LinkerArg { get; set; }

        /// <summary>Assemblies to scan; the first is the published one.</summary>
        public ITaskItem[] Assemblies { get; set; }

        /// <summary>Object files of the compiled code.</summary>
        public ITaskItem[] Objects { get; set; }

        /// <summary>Imports files (JSON arrays of imports), for code without assemblies.</summary>
        public ITaskItem[] ImportsFiles { get; set; }

        /// <summary><c>UnmanagedEntryPointsAssembly</c> items (simple assembly names).</summary>
        public ITaskItem[] UnmanagedEntryPointsAssembly { get; set; }

        /// <summary>More symbols to export, defined by the object files.</summary>
        public ITaskItem[] ExportSymbols { get; set; }

        /// <summary>The native library; empty for the one next to the task assembly.</summary>
        public string NativeLibraryPath { get; set; }

        /// <summary>Whether the file changed (false when the same request was already there).</summary>
        [Output]
        public bool Changed { get; set; }

        private string baseDir;

        /// <inheritdoc />
        public override bool Execute()
        {
            try
            {
                baseDir = string.IsNullOrEmpty(ProjectFile)
                    ? Directory.GetCurrentDirectory()
                    : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(ProjectFile));
                string json = BuildRequest();
                if (json == null)
                    return false;
                string path = System.IO.Path.GetFullPath(RequestFile);
                // The library writes it: through a new file renamed over the old one (a build
                // reading it meanwhile sees a whole request), and only over a request (a FIFO, a
                // device, the project or an input named here is refused, never replaced).
                AotInteropNative native = AotInteropNative.Get(Log, NativeLibraryPath);
                if (native == null)
                    return false;
                if (!string.IsNullOrEmpty(PlanReport)
                    && native.FileStep(Log, "check_plan_report", "{}", System.IO.Path.GetFullPath(PlanReport)) == null)
                    return false;
                var result = native.FileStep(Log, "write_request", json, path);
                if (result == null)
                    return false;
                object changed;
                Changed = result.TryGetValue("changed", out changed) && changed is bool && (bool)changed;
                Log.LogMessage(MessageImportance.Low, Changed ? "aotinterop: wrote request {0}" : "aotinterop: request unchanged: {0}", path);
                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                TaskLog.Error(Log, "AOTI0812", RequestFile, 0, 0, "cannot write the publish request: " + e.Message);
                return false;
            }
        }

        private string Full(string path)
        {
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, path));
        }

        private string BuildRequest()
        {
            string rid = (RuntimeIdentifier ?? "").Trim();
            if (rid.Length == 0)
            {
                TaskLog.Error(Log, "AOTI0813", ProjectFile, 0, 0,
                    "RuntimeIdentifier is not set: set it in the project (for example linux-x64 or win-x64) or pass /p:RuntimeIdentifier=...");
                return null;
            }
            string nativeLib = (NativeLib ?? "").Trim();
            if (nativeLib.Length != 0 && !Is(nativeLib, "Shared") && !Is(nativeLib, "Static"))
            {
                TaskLog.Error(Log, "AOTI0813", ProjectFile, 0, 0,
                    "NativeLib is `" + nativeLib + "`: it must be Shared, Static or empty (an executable)");
                return null;
            }
            string exportEntrypoints = (IlcExportUnmanagedEntrypoints ?? "").Trim();
            if (exportEntrypoints.Length != 0 && !Is(exportEntrypoints, "true") && !Is(exportEntrypoints, "false"))
            {
                TaskLog.Error(Log, "AOTI0813", ProjectFile, 0, 0,
                    "IlcExportUnmanagedEntrypoints is `" + exportEntrypoints + "`: it must be true, false or empty");
                return null;
            }

            string assemblyDir = (AssemblyDirectory ?? "").Trim();
            if (assemblyDir.Length != 0 && !Is(assemblyDir, "image") && !Is(assemblyDir, "executable"))
            {
                TaskLog.Error(Log, "AOTI0813", ProjectFile, 0, 0,
                    "AotInteropAssemblyDirectory is `" + assemblyDir + "`: it must be image, executable or empty");
                return null;
            }

            var sb = new StringBuilder();
            sb.Append("{\n  \"rid\": ").Append(JsonWriter.Quote(rid));
            if (!string.IsNullOrWhiteSpace(TargetFramework))
                sb.Append(",\n  \"target_framework\": ").Append(JsonWriter.Quote(TargetFramework.Trim()));
            if (!Flag("AotInteropSdkDirectPInvoke", SdkDirectPInvoke, true))
                sb.Append(",\n  \"sdk_direct_pinvoke\": false");
            if (Flag("InvariantGlobalization", InvariantGlobalization, false))
                sb.Append(",\n  \"invariant_globalization\": true");
            if (Flag("AotInteropSearchCurrentDirectory", SearchCurrentDirectory, false))
                sb.Append(",\n  \"search_current_directory\": true");
            if (!Flag("StripSymbols", StripSymbols, true))
                sb.Append(",\n  \"strip_symbols\": false");
            if (Flag("StaticExecutable", StaticExecutable, false))
                sb.Append(",\n  \"static_executable\": true");
            if (!Flag("PositionIndependentExecutable", PositionIndependentExecutable, true))
                sb.Append(",\n  \"position_independent_executable\": false");
            if (Flag("AotInteropGenerateImportLibraries", GenerateImportLibraries, false))
                sb.Append(",\n  \"generate_import_libraries\": true");
            if (assemblyDir.Length != 0)
                sb.Append(",\n  \"assembly_directory\": ").Append(JsonWriter.Quote(assemblyDir.ToLowerInvariant()));
            string compiler = (Compiler ?? "").Trim();
            if (compiler.Length != 0)
                sb.Append(",\n  \"compiler\": ").Append(JsonWriter.Quote(compiler.ToLowerInvariant()));
            string monoAotMode = (MonoAotMode ?? "").Trim();
            if (monoAotMode.Length != 0)
                sb.Append(",\n  \"mono_aot_mode\": ").Append(JsonWriter.Quote(monoAotMode.ToLowerInvariant()));
            if (nativeLib.Length != 0)
                sb.Append(",\n  \"native_lib\": ").Append(JsonWriter.Quote(nativeLib.ToLowerInvariant()));
            if (!string.IsNullOrWhiteSpace(OutputImage))
                sb.Append(",\n  \"output\": ").Append(JsonWriter.Quote(Full(OutputImage.Trim())));
            AppendArray(sb, "direct_pinvoke", DirectPInvoke, false);
            AppendArray(sb, "direct_pinvoke_list", DirectPInvokeList, true);
            AppendArray(sb, "native_library", NativeLibrary, true);
            AppendArray(sb, "linker_arg", LinkerArg, false);
            AppendArray(sb, "assemblies", Assemblies, true);
            AppendArray(sb, "imports_file", ImportsFiles, true);
            AppendArray(sb, "objects", Objects, true);

            var exports = new List<string>();
            if (exportEntrypoints.Length != 0)
                exports.Add("\"unmanaged_entrypoints\": " + (Is(exportEntrypoints, "true") ? "true" : "false"));
            string names = Join(UnmanagedEntryPointsAssembly, false);
            if (names != null)
                exports.Add("\"assemblies\": " + names);
            string symbols = Join(ExportSymbols, false);
            if (symbols != null)
                exports.Add("\"symbols\": " + symbols);
            if (exports.Count != 0)
                sb.Append(",\n  \"exports\": {").Append(string.Join(", ", exports.ToArray())).Append('}');

            string list = (WindowsApiList ?? "").Trim();
            if (Is(list, "false"))
                sb.Append(",\n  \"windows_api_list\": false");
            else if (list.Length != 0)
                sb.Append(",\n  \"windows_api_list\": ").Append(JsonWriter.Quote(Full(list)));

            var linker = new List<string>();
            if (!string.IsNullOrWhiteSpace(LinkerFlavor))
                linker.Add("\"flavor\": " + JsonWriter.Quote(LinkerFlavor.Trim()));
            if (!string.IsNullOrWhiteSpace(Linker))
            {
                string l = Linker.Trim();
                // A bare program name is looked up on PATH; a path resolves against the project.
                bool isPath = l.IndexOf('/') >= 0 || l.IndexOf('\\') >= 0;
                linker.Add("\"path\": " + JsonWriter.Quote(isPath ? Full(l) : l));
            }
            if (!string.IsNullOrWhiteSpace(SysRoot))
                linker.Add("\"sysroot\": " + JsonWriter.Quote(Full(SysRoot.Trim())));
            if (linker.Count != 0)
                sb.Append(",\n  \"linker\": {").Append(string.Join(", ", linker.ToArray())).Append('}');
            if (!string.IsNullOrWhiteSpace(RuntimeDirectory) && Directory.Exists(RuntimeDirectory.Trim()))
                sb.Append(",\n  \"runtime_dir\": ").Append(JsonWriter.Quote(Full(RuntimeDirectory.Trim())));
            if (!string.IsNullOrWhiteSpace(CacheDirectory))
                sb.Append(",\n  \"cache_dir\": ").Append(JsonWriter.Quote(Full(CacheDirectory.Trim())));
            if (!string.IsNullOrWhiteSpace(IntermediateDirectory))
                sb.Append(",\n  \"intermediate_dir\": ").Append(JsonWriter.Quote(Full(IntermediateDirectory.Trim())));
            sb.Append("\n}\n");
            return sb.ToString();
        }

        /// <summary>A true/false property: empty is its default, and so is any other value (native
        /// AOT's targets compare with the one value that is not the default), said in a warning.</summary>
        private bool Flag(string name, string value, bool byDefault)
        {
            string v = (value ?? "").Trim();
            if (v.Length == 0)
                return byDefault;
            if (Is(v, "true") || Is(v, "false"))
                return Is(v, "true");
            string taken = byDefault ? "true" : "false";
            TaskLog.Warning(Log, "AOTI1813", ProjectFile, 0, 0,
                name + " is `" + TaskLog.Printable(v) + "`, which is neither true nor false: taken as " + taken
                + " (its default), as native AOT's targets take it");
            return byDefault;
        }

        private static bool Is(string a, string b)
        {
            return string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
        }

        private void AppendArray(StringBuilder sb, string field, ITaskItem[] items, bool paths)
        {
            string joined = Join(items, paths);
            if (joined != null)
                sb.Append(",\n  ").Append(JsonWriter.Quote(field)).Append(": ").Append(joined);
        }

        // One item a line, so that an error about an item points at its own line of the request.
        private string Join(ITaskItem[] items, bool paths)
        {
            if (items == null || items.Length == 0)
                return null;
            var parts = new List<string>();
            foreach (ITaskItem item in items)
            {
                string value = paths ? item.GetMetadata("FullPath") : item.ItemSpec;
                if (string.IsNullOrEmpty(value))
                    value = paths ? Full(item.ItemSpec) : item.ItemSpec;
                parts.Add(JsonWriter.Quote(value));
            }
            return "[\n    " + string.Join(",\n    ", parts.ToArray()) + "\n  ]";
        }
    }

    /// <summary>Logging in MSBuild's canonical <c>file(line,col): error CODE: message</c> form.</summary>
    internal static class TaskLog
    {
        /// <summary>Logs an error with a code and a location (control characters escaped, as the
        /// command line shows them: a value or a linker's output cannot drive the terminal).</summary>
        public static void Error(TaskLoggingHelper log, string code, string file, int line, int column, string message)
        {
            // The message goes through "{0}" so that braces in it are not read as a format.
            log.LogError(null, code, null, Printable(file ?? ""), line, column, 0, 0, "{0}", Lines(message));
        }

        /// <summary>Logs a warning with a code and a location.</summary>
        public static void Warning(TaskLoggingHelper log, string code, string file, int line, int column, string message)
        {
            log.LogWarning(null, code, null, Printable(file ?? ""), line, column, 0, 0, "{0}", Lines(message));
        }

        /// <summary>A message as <see cref="Printable"/> shows a value, its line breaks kept.</summary>
        public static string Lines(string message)
        {
            if (message == null)
                return "";
            string[] lines = message.Split('\n');
            for (int i = 0; i < lines.Length; i++)
                lines[i] = Printable(lines[i]);
            return string.Join("\n", lines);
        }

        /// <summary>A value as a message shows it: control characters as <c>\xNN</c> (an escape
        /// sequence or a newline in a property would otherwise reach the terminal or forge a line).</summary>
        public static string Printable(string value)
        {
            if (value == null)
                return "";
            var sb = new System.Text.StringBuilder(value.Length);
            foreach (char c in value)
            {
                if (char.IsControl(c))
                    sb.Append("\\x").Append(((int)c & 0xff).ToString("x2"));
                else
                    sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>Logs a note (what was done on the project's request) as a high-importance message in the same form.</summary>
        public static void Note(TaskLoggingHelper log, string code, string file, int line, int column, string message)
        {
            file = Printable(file);
            string where = string.IsNullOrEmpty(file) ? "" : (line > 0 ? file + "(" + line + "): " : file + ": ");
            log.LogMessage(MessageImportance.High, "{0}note {1}: {2}", where, code, Lines(message));
        }
    }
}
