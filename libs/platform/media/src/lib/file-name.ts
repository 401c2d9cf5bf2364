/** The longest file name kept, in UTF-16 code units (the protocol's 255 characters). */
export const FILE_NAME_MAX = 255;

/**
 * The name a file is kept under: the last segment of what the client gave
 * (either slash), without control, format or bidirectional-override characters
 * (which could disguise `exe.png` as `png.exe`), trimmed, at most 255
 * characters without cutting a surrogate pair; `file` when nothing is left.
 */
export function cleanFileName(raw: string | undefined | null): string {
  const segment = (raw ?? '').split(/[/\\]/).pop() ?? '';
  let name = segment.normalize('NFC').replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '').trim();
  if (name === '.' || name === '..') name = '';
  if (name.length > FILE_NAME_MAX) {
    name = name.slice(0, FILE_NAME_MAX);
    if (/[\uD800-\uDBFF]$/.test(name)) name = name.slice(0, -1);
  }
  return name || 'file';
}

/**
 * `Content-Disposition` for a download: `filename*` in RFC 5987 encoding (UTF-8,
 * percent-encoded) and an ASCII `filename` fallback for old clients.
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
