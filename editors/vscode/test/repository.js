// Tokenises every .wbuild file of the repository's examples and stdlib with the
// grammar and fails on any token the grammar marks invalid, and on any item
// header whose name is not scoped as a name (a sign the grammar lost track).
// Run with `node test/repository.js` after `npm ci`.
const fs = require("fs");
const path = require("path");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const root = path.join(__dirname, "..", "..", "..");
const grammarPath = path.join(__dirname, "..", "syntaxes", "wbuild.tmLanguage.json");

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full);
    return entry.name.endsWith(".wbuild") ? [full] : [];
  });
}

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => textmate.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  const grammar = await registry.loadGrammar("source.wbuild");
  const targets = [...files(path.join(root, "examples")), ...files(path.join(root, "stdlib"))];
  const problems = [];
  for (const file of targets) {
    let state = textmate.INITIAL;
    fs.readFileSync(file, "utf8").split("\n").forEach((line, i) => {
      const result = grammar.tokenizeLine(line, state);
      state = result.ruleStack;
      for (const token of result.tokens) {
        const text = line.slice(token.startIndex, token.endIndex);
        if (token.scopes.some((s) => s.startsWith("invalid"))) {
          problems.push(`${file}:${i + 1}: \`${text}\` is ${token.scopes.join(" ")}`);
        }
      }
      const header = line.match(/^(variant|preset)\s+([A-Za-z_]\w*)/);
      if (header) {
        const start = line.indexOf(header[2], header[1].length);
        const token = result.tokens.find((t) => t.startIndex <= start && start < t.endIndex);
        if (!token || !token.scopes.some((s) => s.startsWith("entity.name"))) {
          problems.push(`${file}:${i + 1}: the name \`${header[2]}\` is not scoped as a name`);
        }
      }
    });
  }
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    process.exit(1);
  }
  console.log(`tokenised ${targets.length} files of examples/ and stdlib/: no invalid tokens`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
