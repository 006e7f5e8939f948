/**
 * Mail structure: splits a document into messages (an mbox series, one `git format-patch` mail, a copy
 * from a web mail archive, or a bare diff) and reads each message's headers, commit message, `---`
 * separator and where its diff starts. Pure functions over the document's lines.
 */
import type { MailHeaders } from './types';

export interface MessageRange {
  /** 0-based, inclusive start and exclusive end in the document's lines. */
  start: number;
  end: number;
}

export interface MessageLayout {
  range: MessageRange;
  headers: MailHeaders;
  subjectLine: number | null;
  /** First line of the commit message (after the headers), or null for a bare diff. */
  messageLine: number | null;
  /** The `---` line that ends the commit message, or null. */
  separatorLine: number | null;
  /** The first `diff --git` / `--- a/` line, or null when the message carries no diff. */
  diffLine: number | null;
  /** The `-- ` signature line (format-patch appends the git version after it), or null. */
  signatureLine: number | null;
}

/** `From <sha> Mon Sep 17 00:00:00 2001` (format-patch) or `From user@host <date>` (mbox). */
const MBOX_FROM = /^From \S+ +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) /;
const HEADER = /^([A-Za-z][A-Za-z0-9-]*):\s?(.*)$/s;
const KNOWN_HEADERS = new Set([
  'from', 'date', 'subject', 'message-id', 'in-reply-to', 'references', 'to', 'cc', 'mime-version',
  'content-type', 'content-transfer-encoding', 'reply-to', 'sender', 'list-id', 'x-mailer', 'return-path',
  'received', 'delivered-to', 'user-agent', 'organization', 'x-mailing-list', 'precedence',
]);
/** A web archive's title line, e.g. `[PATCH v2] kcov: fix ...` or `Re: [PATCH 3/4] ...`. */
const TITLE = /^(Re:\s*)?\[(RFC )?PATCH\b[^\]]*\]/i;

export function isDiffStart(lines: readonly string[], i: number): boolean {
  const line = lines[i] ?? '';
  if (line.startsWith('diff --git ') || line.startsWith('Index: ')) return true;
  return line.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ');
}

/** A `-- ` signature line, also in the form web archives leave (`--`), followed by a version or name. */
export function isSignature(lines: readonly string[], i: number): boolean {
  const line = lines[i];
  if (line !== '-- ' && line !== '--') return false;
  const next = lines[i + 1];
  return next === undefined || /^\d+\.\d+(\.\d+)*/.test(next) || (line === '-- ' && !/^[-+ @]/.test(next));
}

export function splitMessages(lines: readonly string[]): MessageRange[] {
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (MBOX_FROM.test(lines[i])) starts.push(i);
  }
  if (starts.length === 0 || starts[0] !== 0) starts.unshift(0);
  return starts.map((start, k) => ({ start, end: k + 1 < starts.length ? starts[k + 1] : lines.length }));
}

function emptyHeaders(): MailHeaders {
  return { subject: null, from: null, date: null, messageId: null, inReplyTo: null, references: null };
}

function setHeader(headers: MailHeaders, name: string, value: string): void {
  const key = name.toLowerCase();
  if (key === 'subject') headers.subject = value;
  else if (key === 'from') headers.from = value;
  else if (key === 'date') headers.date = value;
  else if (key === 'message-id') headers.messageId = value;
  else if (key === 'in-reply-to') headers.inReplyTo = value;
  else if (key === 'references') headers.references = value;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) in a header value. */
export function decodeHeaderValue(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, enc: string, data: string) => {
    const bytes = enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    const label = charset.toLowerCase();
    return bytes.toString(label === 'utf-8' || label === 'utf8' ? 'utf8' : 'latin1');
  }).replace(/\?=\s+=\?/g, '?==?');
}

interface HeaderBlock { headers: MailHeaders; subjectLine: number | null; next: number }

/** RFC 5322 headers with folded continuation lines, ending at the first blank line. */
function readRfcHeaders(lines: readonly string[], start: number, end: number): HeaderBlock {
  const headers = emptyHeaders();
  let subjectLine: number | null = null;
  let i = start;
  while (i < end && lines[i] !== '') {
    const m = HEADER.exec(lines[i]);
    if (!m) break;
    const headerLine = i;
    let value = m[2];
    while (i + 1 < end && /^[ \t]+\S/.test(lines[i + 1])) {
      i++;
      value += ' ' + lines[i].trim();
    }
    setHeader(headers, m[1], decodeHeaderValue(value).trim());
    if (m[1].toLowerCase() === 'subject') subjectLine = headerLine;
    i++;
  }
  return { headers, subjectLine, next: i < end && lines[i] === '' ? i + 1 : i };
}

/**
 * A web archive copy: a title line, then `From:`/`Date:` lines, possibly with blank lines between
 * them and with no blank line before the message (both seeds look like this).
 */
function readArchiveHeaders(lines: readonly string[], start: number, end: number): HeaderBlock {
  const headers = emptyHeaders();
  headers.subject = decodeHeaderValue(lines[start]).trim();
  let i = start + 1;
  let last = start;
  while (i < end) {
    if (lines[i].trim() === '') { i++; continue; }
    const m = HEADER.exec(lines[i]);
    if (!m || !KNOWN_HEADERS.has(m[1].toLowerCase())) break;
    setHeader(headers, m[1], decodeHeaderValue(m[2]).trim());
    last = i;
    i++;
  }
  let next = last + 1;
  while (next < end && lines[next].trim() === '') next++;
  return { headers, subjectLine: start, next };
}

function looksLikeRfcHeaders(lines: readonly string[], start: number, end: number): boolean {
  const m = start < end ? HEADER.exec(lines[start]) : null;
  return m !== null && KNOWN_HEADERS.has(m[1].toLowerCase());
}

export function readMessage(lines: readonly string[], range: MessageRange): MessageLayout {
  let start = range.start;
  if (MBOX_FROM.test(lines[start] ?? '')) start++;
  let block: HeaderBlock | null = null;
  let first = start;
  while (first < range.end && lines[first].trim() === '') first++;
  if (looksLikeRfcHeaders(lines, first, range.end)) block = readRfcHeaders(lines, first, range.end);
  else if (first < range.end && TITLE.test(lines[first])) block = readArchiveHeaders(lines, first, range.end);

  let diffLine: number | null = null;
  let separatorLine: number | null = null;
  let signatureLine: number | null = null;
  const bodyStart = block ? block.next : range.start;
  for (let i = bodyStart; i < range.end; i++) {
    if (separatorLine === null && diffLine === null && lines[i] === '---') separatorLine = i;
    if (diffLine === null && isDiffStart(lines, i)) diffLine = i;
    if (diffLine !== null && isSignature(lines, i)) { signatureLine = i; break; }
  }
  const headers = block ? block.headers : emptyHeaders();
  return {
    range,
    headers,
    subjectLine: block ? block.subjectLine : null,
    messageLine: block ? block.next : null,
    separatorLine,
    diffLine,
    signatureLine,
  };
}
