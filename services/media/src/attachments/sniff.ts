/**
 * The content type of a file from its first bytes, never from its name or
 * what the client claims. A small table of signatures for the types the
 * platform treats specially (images shown inline, plain text, PDF) and a few
 * common ones; everything else is `application/octet-stream`. Markup (HTML,
 * XML, SVG) is recognised so that it is never mistaken for plain text and
 * served inline.
 */
const SIGNATURES: ReadonlyArray<{ type: string; offset?: number; bytes: readonly (number | null)[] }> = [
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: [...ascii('GIF87a')] },
  { type: 'image/gif', bytes: [...ascii('GIF89a')] },
  // RIFF, four bytes of size, WEBP
  { type: 'image/webp', bytes: [...ascii('RIFF'), null, null, null, null, ...ascii('WEBP')] },
  { type: 'application/pdf', bytes: [...ascii('%PDF-')] },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: 'application/gzip', bytes: [0x1f, 0x8b, 0x08] },
  { type: 'application/x-7z-compressed', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { type: 'audio/mpeg', bytes: [...ascii('ID3')] },
  { type: 'audio/ogg', bytes: [...ascii('OggS')] },
  { type: 'video/mp4', offset: 4, bytes: [...ascii('ftyp')] },
];

/** Types served inline with their own type; everything else is a download (protocol: "images and plain text"). */
export const INLINE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain']);
/** Types that get a thumbnail and a width and height. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** How many leading bytes the text checks read. */
const TEXT_SAMPLE = 64 * 1024;

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

function matches(buf: Uint8Array, sig: { offset?: number; bytes: readonly (number | null)[] }): boolean {
  const at = sig.offset ?? 0;
  if (buf.length < at + sig.bytes.length) return false;
  return sig.bytes.every((b, i) => b === null || buf[at + i] === b);
}

/** Markup a browser would render: the WHATWG sniffing patterns for HTML, and XML. */
const MARKUP = /^(?:<!doctype\s+html|<html|<head|<body|<script|<iframe|<h1|<div|<font|<table|<a[\s>]|<style|<title|<b[\s>]|<br|<p[\s>]|<!--)/i;

export function sniff(buf: Uint8Array): string {
  for (const sig of SIGNATURES) if (matches(buf, sig)) return sig.type;
  const sample = buf.subarray(0, TEXT_SAMPLE);
  const text = decodeText(sample, buf.length > TEXT_SAMPLE);
  if (text === null) return 'application/octet-stream';
  const head = text.replace(/^\uFEFF/, '').trimStart().slice(0, 512);
  if (/^<\?xml/i.test(head)) return /<svg[\s>]/i.test(text) ? 'image/svg+xml' : 'application/xml';
  if (/^<svg[\s>]/i.test(head)) return 'image/svg+xml';
  if (MARKUP.test(head)) return 'text/html';
  return 'text/plain';
}

/**
 * The sample as text when it is UTF-8 (or ASCII) without NUL and without
 * control characters other than tab, newlines, form feed and escape (logs
 * with colours are text); null when it is binary. `cut`: the sample ends
 * mid-file, so a character split at its end is fine.
 */
function decodeText(sample: Uint8Array, cut: boolean): string | null {
  if (sample.length === 0) return null;
  let bytes = sample;
  if (cut) {
    // Drop a multi-byte character the sample's end cuts in two.
    let back = 0;
    while (back < 3 && back < bytes.length && (bytes[bytes.length - 1 - back]! & 0xc0) === 0x80) back++;
    const lead = bytes[bytes.length - 1 - back];
    if (lead !== undefined && lead >= 0xc0) bytes = bytes.subarray(0, bytes.length - 1 - back);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f\u007f]/.test(text)) return null;
  return text;
}
