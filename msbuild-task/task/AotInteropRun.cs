// MSBuild task: runs one aotinterop step (publish, plan or inspect) on a publish request through
// the native library's C ABI, logs every diagnostic with its code and location, and leaves the
// plan report where the project wants it.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace AotInterop.Build
{
    /// <summary>Runs an aotinterop step on a publish request file.</summary>
    public sealed class AotInteropRun : Task
    {
        /// <summary>The publish request file (written by <see cref="AotInteropWriteRequest"/>).</summary>
        [Required]
        public string RequestFile { get; set; }

        /// <summary>The step: <c>publish</c> (the default when empty), <c>plan</c> or <c>inspect</c>.</summary>
        public string Step { get; set; }

        /// <summary>The project file: diagnostics about items of the generated request point at it.</summary>
        public string ProjectFile { get; set; }

        /// <summary>Where the plan report goes: for <c>plan</c> and <c>inspect</c>, the step's result (as JSON);
        /// for <c>publish</c>, a copy of the plan the publish wrote next to the image, unless it is that
        /// file. Nothing is written when empty.</summary>
        public string PlanReport { get; set; }

        /// <summary>The native library; empty for the one next to the task assembly.</summary>
        public string NativeLibraryPath { get; set; }

        /// <summary>The image the publish produces (or would produce).</summary>
        /// <remarks>The outputs are strings: when the target is skipped as up to date, xbuild infers
        /// its outputs and fails on an <c>int</c> one.</remarks>
        [Output]
        public string OutputImage { get; set; }

        /// <summary>The plan report written.</summary>
        [Output]
        public string PlanReportPath { get; set; }

        /// <summary>The files a publish wrote: the image, its side outputs (an import library) and the plan reports.</summary>
        [Output]
        public ITaskItem[] PublishedFiles { get; set; }

        /// <summary>Imports planned. A number, typed as a string (see <see cref="OutputImage"/>).</summary>
        [Output]
        public string ImportCount { get; set; }

        /// <summary>Imports bound directly at startup. A number, typed as a string (see <see cref="OutputImage"/>).</summary>
        [Output]
        public string DirectCount { get; set; }

        /// <summary>Imports bound lazily on first call. A number, typed as a string (see <see cref="OutputImage"/>).</summary>
        [Output]
        public string LazyCount { get; set; }

        /// <summary>The ABI version of the native library's responses this task reads (the library's `ABI_VERSION`).</summary>
        private const double Abi = 1;

        /// <inheritdoc />
        public override bool Execute()
        {
            // As the targets' conditions read it: in any case, spaces included.
            string step = string.IsNullOrEmpty(Step) ? "publish" : Step.ToLowerInvariant();
            // The task runs the build steps; the file steps are its own, never asked for by a project.
            if (step != "publish" && step != "plan" && step != "inspect")
            {
                TaskLog.Error(Log, "AOTI0802", RequestFile, 0, 0,
                    "unknown step `" + TaskLog.Printable(Step) + "`; the steps are plan, publish, inspect");
                return false;
            }
            string requestPath;
            string requestText;
            AotInteropNative native = AotInteropNative.Get(Log, NativeLibraryPath);
            if (native == null)
                return false;
            try
            {
                requestPath = Path.GetFullPath(RequestFile);
                // A failed step must not leave an old report that would make the target look up to
                // date; but only a report is removed (the property may name any file, an input of
                // the publish even), by the library, which tells a FIFO from a file.
                if (!string.IsNullOrEmpty(PlanReport)
                    && native.FileStep(Log, "remove_plan_report", ReportStep(requestPath, null, step), Path.GetFullPath(PlanReport)) == null)
                    return false;
                requestText = File.ReadAllText(requestPath, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                TaskLog.Error(Log, "AOTI0812", RequestFile, 0, 0, "cannot read the publish request or remove the old report: " + e.Message);
                return false;
            }

            Log.LogMessage(MessageImportance.Low, "aotinterop: {0} {1} from {2}", step, native.Version, native.Path);

            string responseText;
            Dictionary<string, object> response;
            Dictionary<string, int[]> spans;
            try
            {
                responseText = native.Run(step, requestText, requestPath);
                response = JsonReader.Parse(responseText, out spans) as Dictionary<string, object>;
                if (response == null)
                    throw new FormatException("the response is not a JSON object");
                // The shape of the response is the ABI's: another one's is not read as this one.
                object abi = Get(response, "abi");
                if (!(abi is double) || (double)abi != Abi)
                    throw new FormatException("it speaks ABI " + (abi ?? "(none)") + ", this task ABI " + Abi
                        + ": the task assembly and its native library come from different packages");
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                TaskLog.Error(Log, "AOTI0811", native.Path, 0, 0, "the aotinterop library gave no valid response: " + e.Message);
                return false;
            }

            var diagnostics = Get(response, "diagnostics") as List<object>;
            if (diagnostics != null)
            {
                foreach (object d in diagnostics)
                    LogDiagnostic(d as Dictionary<string, object>, requestPath, requestText);
            }
            bool ok = Get(response, "ok") is bool && (bool)Get(response, "ok");
            if (!ok)
            {
                if (!Log.HasLoggedErrors)
                    TaskLog.Error(Log, "AOTI0811", requestPath, 0, 0, "the `" + step + "` step failed without saying why");
                return false;
            }

            var summary = Get(response, "summary") as Dictionary<string, object>;
            if (summary != null)
            {
                OutputImage = Get(summary, "output") as string;
                ImportCount = CountText(summary, "imports");
                DirectCount = CountText(summary, "direct");
                LazyCount = CountText(summary, "lazy");
            }

            int[] span;
            if (step == "publish")
            {
                if (!PublishOutputs(native, Get(response, "result") as Dictionary<string, object>))
                    return false;
            }
            else if (!string.IsNullOrEmpty(PlanReport) && spans.TryGetValue("result", out span))
            {
                string report = Path.GetFullPath(PlanReport);
                string text = responseText.Substring(span[0], span[1] - span[0]) + "\n";
                if (native.FileStep(Log, "write_plan_report", ReportStep(requestPath, text, step), report) == null)
                    return false;
                PlanReportPath = report;
            }
            Log.LogMessage(MessageImportance.High, "aotinterop {0}: {1}{2} imports, {3} direct, {4} lazy{5}",
                step, step == "publish" ? TaskLog.Printable(OutputImage) + ": " : "", ImportCount, DirectCount, LazyCount,
                PlanReportPath == null ? "" : " -> " + TaskLog.Printable(PlanReportPath));
            return !Log.HasLoggedErrors;
        }

        // The publish wrote the image and `<image>.plan.json` / `.plan.md` next to it: report them,
        // and copy the plan to PlanReport when the project wants it elsewhere.
        private bool PublishOutputs(AotInteropNative native, Dictionary<string, object> result)
        {
            var files = new List<ITaskItem>();
            if (!string.IsNullOrEmpty(OutputImage))
                files.Add(new TaskItem(OutputImage));
            var side = Get(result, "side_outputs") as List<object>;
            if (side != null)
            {
                foreach (object f in side)
                {
                    if (f is string)
                        files.Add(new TaskItem((string)f));
                }
            }
            var reports = Get(result, "reports") as Dictionary<string, object>;
            string json = Get(reports, "json") as string;
            string markdown = Get(reports, "markdown") as string;
            if (!string.IsNullOrEmpty(markdown))
                files.Add(new TaskItem(markdown));
            PublishedFiles = files.ToArray();
            if (string.IsNullOrEmpty(json))
            {
                TaskLog.Error(Log, "AOTI0811", RequestFile, 0, 0, "the `publish` step did not say where it wrote the plan report");
                return false;
            }
            if (string.IsNullOrEmpty(PlanReport) || SamePath(PlanReport, json))
            {
                PlanReportPath = Path.GetFullPath(json);
                return true;
            }
            // Written by the library, which replaces only a plan report there, whatever name
            // reaches the file (`bin//app` is the image), and never a file the request reads.
            string report = Path.GetFullPath(PlanReport);
            string text;
            try
            {
                text = File.ReadAllText(json, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                TaskLog.Error(Log, "AOTI0812", PlanReport, 0, 0, "cannot read the plan report " + json + ": " + e.Message);
                return false;
            }
            if (native.FileStep(Log, "write_plan_report", ReportStep(Path.GetFullPath(RequestFile), text, "publish"), report) == null)
                return false;
            PlanReportPath = report;
            return true;
        }

        // The report steps' argument: the build's request file, the report to write, and its
        // kind (an inspect step's report never takes the place of a plan's).
        private static string ReportStep(string requestPath, string report, string step)
        {
            return "{\"request_file\": " + JsonWriter.Quote(requestPath)
                + (report == null ? "" : ", \"report\": " + JsonWriter.Quote(report))
                + ", \"kind\": \"" + (step == "inspect" ? "inspect" : "plan") + "\"}";
        }

        private static object Get(Dictionary<string, object> d, string key)
        {
            object v;
            return d != null && d.TryGetValue(key, out v) ? v : null;
        }

        private static int Count(Dictionary<string, object> d, string key)
        {
            object v = Get(d, key);
            return v is double ? (int)(double)v : 0;
        }

        private static string CountText(Dictionary<string, object> d, string key)
        {
            return Count(d, key).ToString(CultureInfo.InvariantCulture);
        }

        private void LogDiagnostic(Dictionary<string, object> d, string requestPath, string requestText)
        {
            if (d == null)
                return;
            string code = Get(d, "code") as string ?? "AOTI0811";
            string message = Get(d, "message") as string ?? "(no message)";
            var location = Get(d, "location") as Dictionary<string, object>;
            string file = Get(location, "file") as string;
            int line = Count(location, "line");
            int column = Count(location, "column");

            if (string.IsNullOrEmpty(file) || SamePath(file, requestPath))
                Relocate(requestText, ref file, ref line, ref column);

            string severity = Get(d, "severity") as string;
            if (severity == "warning")
                TaskLog.Warning(Log, code, file, line, column, message);
            else if (severity == "note")
                TaskLog.Note(Log, code, file, line, column, message);
            else
                TaskLog.Error(Log, code, file, line, column, message);
        }

        // The request is generated: a diagnostic about one of its values is shown at the project
        // file instead, at the item's Include when the project file spells it out.
        private void Relocate(string requestText, ref string file, ref int line, ref int column)
        {
            if (string.IsNullOrEmpty(ProjectFile))
                return;
            string value = null;
            if (file != null && line > 0 && column > 0)
                value = JsonReader.StringAt(requestText, Offset(requestText, line, column));
            string project = Path.GetFullPath(ProjectFile);
            file = project;
            line = 0;
            column = 0;
            if (string.IsNullOrEmpty(value))
                return;
            try
            {
                string[] lines = File.ReadAllLines(project);
                string needle = "\"" + System.Security.SecurityElement.Escape(value) + "\"";
                for (int i = 0; i < lines.Length; i++)
                {
                    int at = lines[i].IndexOf(needle, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        line = i + 1;
                        column = at + 2;
                        return;
                    }
                }
            }
            catch (IOException)
            {
                // The project file itself is then the location.
            }
        }

        private static int Offset(string text, int line, int column)
        {
            int offset = 0;
            for (int l = 1; l < line; l++)
            {
                offset = text.IndexOf('\n', offset);
                if (offset < 0)
                    return -1;
                offset++;
            }
            return offset + column - 1;
        }

        private static bool SamePath(string a, string b)
        {
            try
            {
                return string.Equals(Path.GetFullPath(a), Path.GetFullPath(b),
                    Environment.OSVersion.Platform == PlatformID.Win32NT ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }
}
