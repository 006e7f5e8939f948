/**
 * VS Code glue: start the kcov-review language server (dist/server.js over IPC), expose the settings,
 * the "Select kernel tree" command and a status bar item showing the tree and configurations in use.
 */
import * as path from 'node:path';
import {
  ConfigurationTarget,
  EventEmitter,
  StatusBarAlignment,
  ViewColumn,
  commands,
  languages,
  Uri,
  window,
  workspace,
  type ExtensionContext,
  type TextDocumentContentProvider,
  type StatusBarItem,
  type TextEditor,
} from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { CrashTracker } from './restart';
import { filterConfigurationResults, kernelTreeFor, KERNEL_TREE_KEY, selectedTreeTarget, type ConfigurationRequestItem } from './trust';
import { SERVER_ENV, SERVER_EXEC_ARGV } from './launch';

const SECTION = 'kcovReview';
const STATUS_NOTIFICATION = 'kcovReview/status';
const POST_IMAGE_REQUEST = 'kcovReview/postImage';
const POST_IMAGE_CLOSED = 'kcovReview/postImageClosed';
const MODEL_STATE_REQUEST = 'kcovReview/modelState';
const MODEL_STATE_COMMAND = 'kcovReview.showModelState';
/** One read-only markdown document, replaced on each "Show model state at cursor". */
const MODEL_STATE_URI = 'kcov-review:/model-state.md';
const REPLY_REQUEST = 'kcovReview/reply';
const OPEN_POST_IMAGE_COMMAND = 'kcovReview.openPostImage';
const DRAFT_REPLY_COMMAND = 'kcovReview.draftReply';
const EXPORT_LITMUS_COMMAND = 'kcovReview.exportLitmus';
/** The server's code action kind for "Export litmus test" (server/src/lsp/codeActions.ts). */
const EXPORT_LITMUS_KIND = 'source.kcovReview.exportLitmus';

/** Runs the server's "Export litmus test" action for the finding at the cursor. */
async function exportLitmus(): Promise<void> {
  await commands.executeCommand('editor.action.codeAction', { kind: EXPORT_LITMUS_KIND, apply: 'first' });
}

const modelStateChanged = new EventEmitter<Uri>();
let modelStateText = '';

/**
 * `kcov-review:/post-image/kernel/kcov.c?<patch uri>`: kcov.c as the patch leaves it, from the
 * server, which then publishes its findings under the same URI string (so it is sent encoded, as
 * `Uri.toString()` gives it, and the server echoes it unchanged). `kcov-review:/model-state.md`:
 * the last "Show model state at cursor".
 */
const kcovReviewProvider: TextDocumentContentProvider = {
  onDidChange: modelStateChanged.event,
  async provideTextDocumentContent(uri: Uri): Promise<string> {
    if (uri.toString() === MODEL_STATE_URI) return modelStateText;
    const reply = await client?.sendRequest<{ text: string | null }>(POST_IMAGE_REQUEST, { uri: uri.toString() });
    return reply?.text ?? '// kcov-review: no post-image for this patch (open the patch first).\n';
  },
};

/**
 * The model's full state at the cursor's line, beside the code in a read-only markdown document
 * that is reused: it holds tables (per context, who may preempt) too wide for a hover or a
 * message, stays open while the reviewer steps through lines, and can be copied into the reply.
 */
async function showModelState(): Promise<void> {
  const editor = window.activeTextEditor;
  if (!editor || !client) return;
  const reply = await client.sendRequest<{ markdown: string | null }>(MODEL_STATE_REQUEST, { textDocument: { uri: editor.document.uri.toString() }, position: editor.selection.active });
  if (reply.markdown === null) { void window.showWarningMessage('kcov-review: this document has not been reviewed yet.'); return; }
  modelStateText = reply.markdown;
  const uri = Uri.parse(MODEL_STATE_URI);
  modelStateChanged.fire(uri);
  await window.showTextDocument(await workspace.openTextDocument(uri), { viewColumn: ViewColumn.Beside, preserveFocus: true, preview: true });
}

async function openPostImage(): Promise<void> {
  const patch = window.activeTextEditor?.document.uri.toString();
  if (!patch) return;
  const uri = Uri.parse(`kcov-review:/post-image/kernel/kcov.c?${encodeURIComponent(patch)}`);
  await window.showTextDocument(await workspace.openTextDocument(uri), { preview: true });
}

async function draftReply(): Promise<void> {
  const patch = window.activeTextEditor?.document.uri.toString();
  if (!patch || !client) return;
  const reply = await client.sendRequest<{ text: string | null }>(REPLY_REQUEST, { uri: patch });
  if (reply.text === null) { void window.showWarningMessage('kcov-review: this document has not been reviewed yet.'); return; }
  // Nothing is sent: the reply opens as an untitled document for the reviewer to edit.
  await window.showTextDocument(await workspace.openTextDocument({ content: reply.text, language: 'plaintext' }));
}
const SELECT_TREE_COMMAND = 'kcovReview.selectKernelTree';

interface StatusParams {
  uri: string;
  tree: string | null;
  treeSource: string | null;
  configs: string[];
}

/** Patch languages and files; plain-text files are sent too and the server keeps those that hold a patch. */
const SELECTOR = [
  { language: 'patch-mail' },
  { language: 'diff' },
  { scheme: 'file', pattern: '**/*.{patch,diff,mbox,eml}' },
  { scheme: 'file', pattern: '**/kernel/kcov.c' },
  { scheme: 'untitled', language: 'patch-mail' },
  { scheme: 'file', language: 'plaintext', pattern: '**/*.txt' },
] as const;

let client: LanguageClient | undefined;

/** Set after the server crashed in this session: shown in the status bar until the window reloads. */
let crashNote: { restarted: boolean; crashes: number } | null = null;

function statusText(status: StatusParams | null): string {
  const crash = crashNote ? ` $(warning) ${crashNote.restarted ? 'restarted' : 'stopped'}` : '';
  if (!status) return `$(search) kcov-review${crash}`;
  const tree = status.tree ? path.basename(status.tree) : 'no tree';
  return `$(search) kcov: ${tree} · ${status.configs.join(' ')}${crash}`;
}

function statusTooltip(status: StatusParams | null): string {
  const crash = crashNote ? `\nThe language server crashed (${crashNote.crashes} time(s) in the last 3 minutes) and was ${crashNote.restarted ? 'restarted' : 'left stopped'}; see its output channel.` : '';
  if (!status) return `kcov-review: no patch analysed yet. Click to select a kernel tree.${crash}`;
  const tree = status.tree ? `${status.tree} (${status.treeSource ?? 'unknown source'})` : 'none: only the hunks\u2019 own lines were analysed';
  return `kcov-review\nKernel tree: ${tree}\nConfigurations: ${status.configs.join(', ')}\nClick to select a kernel tree.${crash}`;
}

function updateStatusBar(item: StatusBarItem, statuses: Map<string, StatusParams>, editor: TextEditor | undefined): void {
  if (!editor || languages.match([...SELECTOR], editor.document) === 0) {
    item.hide();
    return;
  }
  const status = statuses.get(editor.document.uri.toString()) ?? null;
  if (!status && editor.document.languageId === 'plaintext') {
    item.hide();
    return;
  }
  item.text = statusText(status);
  item.tooltip = statusTooltip(status);
  item.show();
}

async function selectKernelTree(): Promise<void> {
  const picked = await window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Use as kernel tree',
    title: 'kcov-review: select a Linux kernel tree (the folder holding kernel/kcov.c)',
  });
  const folder = picked?.[0];
  if (!folder) return;
  const hasFolders = (workspace.workspaceFolders?.length ?? 0) > 0;
  const target = selectedTreeTarget(workspace.isTrusted, hasFolders) === 'workspace' ? ConfigurationTarget.Workspace : ConfigurationTarget.Global;
  await workspace.getConfiguration(SECTION).update('kernelTree', folder.fsPath, target);
}

export async function activate(context: ExtensionContext): Promise<void> {
  // The command and status bar come first: choosing a tree must work even if the server cannot start.
  const statuses = new Map<string, StatusParams>();
  const item = window.createStatusBarItem('kcovReview.status', StatusBarAlignment.Right, 100);
  item.name = 'kcov-review';
  item.command = SELECT_TREE_COMMAND;
  context.subscriptions.push(
    item,
    commands.registerCommand(SELECT_TREE_COMMAND, selectKernelTree),
    commands.registerCommand(OPEN_POST_IMAGE_COMMAND, openPostImage),
    commands.registerCommand(DRAFT_REPLY_COMMAND, draftReply),
    commands.registerCommand(EXPORT_LITMUS_COMMAND, exportLitmus),
    commands.registerCommand(MODEL_STATE_COMMAND, showModelState),
    workspace.registerTextDocumentContentProvider('kcov-review', kcovReviewProvider),
    modelStateChanged,
    workspace.onDidCloseTextDocument((document) => {
      if (document.uri.scheme === 'kcov-review' && document.uri.path.startsWith('/post-image/')) void client?.sendNotification(POST_IMAGE_CLOSED, { uri: document.uri.toString() });
    }),
    window.onDidChangeActiveTextEditor((editor) => updateStatusBar(item, statuses, editor)),
  );
  updateStatusBar(item, statuses, window.activeTextEditor);

  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env: { ...process.env, ...SERVER_ENV }, execArgv: [...SERVER_EXEC_ARGV] } },
    debug: { module, transport: TransportKind.ipc, options: { env: { ...process.env, ...SERVER_ENV }, execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6011'] } },
  };
  const crashes = new CrashTracker();
  const clientOptions: LanguageClientOptions = {
    documentSelector: [...SELECTOR],
    synchronize: { configurationSection: SECTION },
    errorHandler: crashHandler(crashes, () => updateStatusBar(item, statuses, window.activeTextEditor)),
    middleware: {
      workspace: {
        // The server pulls its settings; in an untrusted workspace the kernel tree is the user's own.
        configuration: async (params, token, next) => {
          const results = await next(params, token);
          if (!Array.isArray(results)) return results;
          return filterConfigurationResults(SECTION, params.items, results, treeSetting);
        },
        // A pushed change carries no settings when untrusted (the server re-pulls them, filtered).
        didChangeConfiguration: async (sections, next) => {
          if (workspace.isTrusted) return next(sections);
          await client?.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
        },
      },
    },
  };
  client = new LanguageClient('kcovReview', 'kcov-review', serverOptions, clientOptions);
  context.subscriptions.push(
    workspace.onDidGrantWorkspaceTrust(() => {
      // Workspace settings now count: the server drops its settings and pulls them again.
      void client?.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    }),
    client.onNotification(STATUS_NOTIFICATION, (status: StatusParams) => {
      statuses.set(status.uri, status);
      updateStatusBar(item, statuses, window.activeTextEditor);
    }),
  );
  await client.start();
}

/** `kcovReview.kernelTree` for a configuration request item, as workspace trust allows. */
function treeSetting(item: ConfigurationRequestItem): string {
  const scope = item.scopeUri ? Uri.parse(item.scopeUri) : undefined;
  const config = workspace.getConfiguration(SECTION, scope);
  return kernelTreeFor(workspace.isTrusted, config.get(KERNEL_TREE_KEY), config.inspect(KERNEL_TREE_KEY));
}

/**
 * Restarts a crashed server (CrashTracker: 5 crashes in 3 minutes at most) and tells the reviewer
 * once per crash episode; the status bar shows the count while the episode lasts.
 */
function crashHandler(crashes: CrashTracker, refreshStatus: () => void): ErrorHandler {
  return {
    error: (_error, _message, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
    closed: () => {
      const decision = crashes.crashed(Date.now());
      if (decision.message?.kind === 'information') void window.showInformationMessage(decision.message.text);
      if (decision.message?.kind === 'error') void window.showErrorMessage(decision.message.text);
      crashNote = { restarted: decision.restart, crashes: decision.crashesInWindow };
      refreshStatus();
      return { action: decision.restart ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
    },
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
