// A minimal VS Code client for `exlint lsp`: start the server over stdio for plain text,
// markdown and *.draft files. All the work happens in the server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

exports.activate = async function activate() {
  const settings = vscode.workspace.getConfiguration("exlint");
  const command = settings.get("path", "exlint");
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
      // sendTime at start, and every change of the `exlint.*` settings afterwards.
      initializationOptions: { exlint: { sendTime: settings.get("sendTime", "now") } },
      synchronize: { configurationSection: "exlint" },
    },
  );
  await client.start();
};

exports.deactivate = function deactivate() {
  return client ? client.stop() : undefined;
};
