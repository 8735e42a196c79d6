// The wbuild extension: starts wbuild-lsp for .wbuild files and adds a command
// that shows the Dockerfile of a variant (the server's wbuild.dockerfile).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

// From the command palette (asks for the variant) or a code lens (the server
// passes the document and the variant).
async function showDockerfile(lensUri, lensVariant) {
  const editor = vscode.window.activeTextEditor;
  if (!client || (!lensUri && (!editor || editor.document.languageId !== "wbuild"))) {
    return;
  }
  const uri = lensUri || editor.document.uri.toString();
  let variant = lensVariant;
  if (!variant) {
    const symbols = await vscode.commands.executeCommand(
      "vscode.executeDocumentSymbolProvider",
      editor.document.uri
    );
    const variants = (symbols || [])
      .filter((s) => s.kind === vscode.SymbolKind.Class)
      .map((s) => s.name);
    variant = await vscode.window.showQuickPick(variants, { placeHolder: "Variant" });
  }
  if (!variant) {
    return;
  }
  try {
    const text = await client.sendRequest("workspace/executeCommand", {
      command: "wbuild.dockerfile",
      arguments: [uri, variant],
    });
    const doc = await vscode.workspace.openTextDocument({ content: text, language: "dockerfile" });
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  } catch (error) {
    vscode.window.showErrorMessage(`wbuild: ${error.message}`);
  }
}

function activate(context) {
  const command = vscode.workspace.getConfiguration("wbuild").get("server.path") || "wbuild-lsp";
  client = new LanguageClient(
    "wbuild",
    "wbuild",
    { command, args: [] },
    {
      documentSelector: [{ scheme: "file", language: "wbuild" }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.wbuild") },
    }
  );
  context.subscriptions.push(vscode.commands.registerCommand("wbuild.showDockerfile", showDockerfile));
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
