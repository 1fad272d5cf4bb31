// A minimal VS Code client for `exlint lsp`: start the server over stdio for plain text,
// markdown and *.draft files. All the work happens in the server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

exports.activate = async function activate() {
  const command = vscode.workspace.getConfiguration("exlint").get("path", "exlint");
  client = new LanguageClient(
    "exlint",
    "exlint",
    { command, args: ["lsp"] },
    {
      documentSelector: [
        { language: "plaintext" },
        { language: "markdown" },
        { pattern: "**/*.draft" },
      ],
    },
  );
  await client.start();
};

exports.deactivate = function deactivate() {
  return client ? client.stop() : undefined;
};
