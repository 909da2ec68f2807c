// The policyrules extension: highlighting comes from the grammar in package.json; this
// starts `policyrules lsp` (the command is the setting `policyrules.server.command`) for
// .policy files and hands it the editor. No build step: run `npm install` here once, for
// vscode-languageclient.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace
    .getConfiguration("policyrules")
    .get("server.command", ["policyrules", "lsp"]);
  client = new LanguageClient(
    "policyrules",
    "policyrules",
    { command, args },
    {
      documentSelector: [
        { scheme: "file", language: "policyrules" },
        { scheme: "untitled", language: "policyrules" },
      ],
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client === undefined ? undefined : client.stop();
}

module.exports = { activate, deactivate };
