/**
 * The language server: wiring only. Documents, settings and a cancelling scheduler on one side, the
 * pure feature functions (diagnostics, hover, codeActions) over the cached Review on the other.
 */
import './heap';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CodeAction,
  type CodeLens,
  type DocumentSymbol,
  type FoldingRange,
  type Location,
  type Connection,
  type Hover,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Review } from '../review/types';
import { EXPORT_LITMUS_KIND, codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import { foldingRanges } from './folding';
import { documentSymbols } from './symbols';
import { definition, parsePostImageUri, postImageText } from './definition';
import { draftReply } from '../review/reply';

export const POST_IMAGE_REQUEST = 'kcovReview/postImage';
export const REPLY_REQUEST = 'kcovReview/reply';
import { loadParser, primitiveDoc, repair, reviewDocument } from './core';
import { analysisFailedDiagnostic, reviewDiagnostics } from './diagnostics';
import { isPatchDocument } from './documents';
import { hover } from './hover';
import { AnalysisScheduler, type CancelToken, type Outcome } from './scheduler';
import {
  DEFAULT_SETTINGS,
  SETTINGS_SECTION,
  defaultTreeDirs,
  hasSettings,
  parseSettings,
  reviewOptions,
  type Settings,
} from './settings';
import { STATUS_NOTIFICATION, statusOf } from './status';

/** No debounce: a change is analysed at the next turn of the event loop (changes read together run
 *  once), and a newer version cancels the run of an older one at its next stage boundary. */
const DEBOUNCE_MS = 0;

const connection: Connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const treeDirs = defaultTreeDirs(__dirname);

let pullConfiguration = false;
let registerConfigurationChanges = false;
let baseSettings: Settings = DEFAULT_SETTINGS;
let settings: Promise<Settings> | null = null;

function currentSettings(): Promise<Settings> {
  if (settings) return settings;
  if (!pullConfiguration) return (settings = Promise.resolve(baseSettings));
  settings = connection.workspace
    .getConfiguration({ section: SETTINGS_SECTION })
    .then((raw: unknown) => parseSettings(raw, baseSettings))
    .catch(() => baseSettings);
  return settings;
}

async function analyze(uri: string, _version: number, text: string, cancel: CancelToken): Promise<Review> {
  lastSettings = await currentSettings();
  const options = reviewOptions(uri, lastSettings, treeDirs);
  await loadParser(__dirname);
  return reviewDocument(text, { ...options, cancel });
}

/** What the reviewer asked to see: pre-existing findings can be hidden (kcovReview.showPreExisting). */
function shown(review: Review, show: Settings): Review {
  return show.showPreExisting ? review : { ...review, findings: review.findings.filter((f) => f.verdict !== 'pre-existing') };
}

let lastSettings: Settings = DEFAULT_SETTINGS;

function publish(uri: string, version: number, text: string, outcome: Outcome<Review>): void {
  if (outcome.ok) {
    void connection.sendDiagnostics({ uri, version, diagnostics: reviewDiagnostics(shown(outcome.value, lastSettings), text, uri) });
    void connection.sendNotification(STATUS_NOTIFICATION, statusOf(uri, outcome.value));
    return;
  }
  const error = outcome.error;
  connection.console.error(`kcov-review: analysis of ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  void connection.sendDiagnostics({ uri, version, diagnostics: [analysisFailedDiagnostic(error)] });
}

const scheduler = new AnalysisScheduler<Review>({ delayMs: DEBOUNCE_MS, analyze, onResult: publish });

function track(document: TextDocument): void {
  if (isPatchDocument(document.uri, document.languageId, document.getText())) {
    scheduler.schedule(document.uri, document.version, document.getText());
  } else if (scheduler.has(document.uri)) {
    scheduler.forget(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  }
}

function reanalyzeAll(): void {
  settings = null;
  for (const document of documents.all()) track(document);
}

async function reviewOf(uri: string): Promise<{ review: Review; text: string } | null> {
  const document = documents.get(uri);
  if (!document) return null;
  const outcome = await scheduler.get(uri, document.version);
  return outcome?.ok ? { review: outcome.value, text: document.getText() } : null;
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const workspace = params.capabilities.workspace;
  pullConfiguration = workspace?.configuration === true;
  registerConfigurationChanges = workspace?.didChangeConfiguration?.dynamicRegistration === true;
  baseSettings = parseSettings(params.initializationOptions, DEFAULT_SETTINGS);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, EXPORT_LITMUS_KIND] },
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      codeLensProvider: { resolveProvider: false },
      definitionProvider: true,
    },
    serverInfo: { name: 'kcov-review' },
  };
});

connection.onInitialized(() => {
  if (registerConfigurationChanges) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
  }
});

connection.onDidChangeConfiguration((change) => {
  if (!pullConfiguration && hasSettings(change.settings)) baseSettings = parseSettings(change.settings, baseSettings);
  reanalyzeAll();
});

documents.onDidChangeContent((event) => track(event.document));

documents.onDidClose((event) => {
  scheduler.forget(event.document.uri);
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});

connection.onHover(async (params): Promise<Hover | null> => {
  try {
    const found = await reviewOf(params.textDocument.uri);
    return found ? hover(found.review, found.text, params.position, primitiveDoc) : null;
  } catch (error) {
    connection.console.error(`kcov-review: hover failed: ${String(error)}`);
    return null;
  }
});

connection.onCodeAction(async (params): Promise<CodeAction[]> => {
  try {
    const found = await reviewOf(params.textDocument.uri);
    if (!found) return [];
    return codeActions(found.review, params.textDocument.uri, found.text, params.range, repair, params.context.only);
  } catch (error) {
    connection.console.error(`kcov-review: code actions failed: ${String(error)}`);
    return [];
  }
});

/** A request answered from the document's current Review; errors are logged and answered empty. */
function fromReview<T>(name: string, empty: T, present: (review: Review, text: string) => T) {
  return async (params: { textDocument: { uri: string } }): Promise<T> => {
    try {
      const found = await reviewOf(params.textDocument.uri);
      return found ? present(found.review, found.text) : empty;
    } catch (error) {
      connection.console.error(`kcov-review: ${name} failed: ${String(error)}`);
      return empty;
    }
  };
}

connection.onDocumentSymbol(fromReview<DocumentSymbol[]>('document symbols', [], documentSymbols));
connection.onFoldingRanges(fromReview<FoldingRange[]>('folding ranges', [], (review) => foldingRanges(review)));
connection.onCodeLens(fromReview<CodeLens[]>('code lenses', [], (review) => codeLenses(review)));

connection.onDefinition(async (params): Promise<Location | null> => {
  try {
    const found = await reviewOf(params.textDocument.uri);
    return found ? definition(found.review, params.textDocument.uri, params.position.line) : null;
  } catch (error) {
    connection.console.error(`kcov-review: definition failed: ${String(error)}`);
    return null;
  }
});

/** The post-image of a patch's file (virtual document `kcov-review:/post-image/...`). */
connection.onRequest(POST_IMAGE_REQUEST, async (params: { uri: string }): Promise<{ text: string | null }> => {
  const target = parsePostImageUri(params.uri);
  const found = target ? await reviewOf(target.patchUri) : null;
  return { text: found && target ? postImageText(found.review, target.path) : null };
});

/** The review reply mail for a patch document ("Draft review reply"). */
connection.onRequest(REPLY_REQUEST, async (params: { uri: string }): Promise<{ text: string | null }> => {
  const found = await reviewOf(params.uri);
  return { text: found ? draftReply(found.text, found.review) : null };
});

documents.listen(connection);
connection.listen();
