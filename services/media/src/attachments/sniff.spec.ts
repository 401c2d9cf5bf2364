import { sniff } from './sniff';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniff', () => {
  it('knows the images, PDF and archives by their signatures', () => {
    expect(sniff(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'rest'))).toBe('image/png');
    expect(sniff(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniff(bytes('GIF89a...'))).toBe('image/gif');
    expect(sniff(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toBe('image/webp');
    expect(sniff(bytes('%PDF-1.7\n'))).toBe('application/pdf');
    expect(sniff(bytes([0x50, 0x4b, 0x03, 0x04]))).toBe('application/zip');
  });

  it('reads UTF-8 logs (tabs, colours) as plain text, and binary as octet-stream', () => {
    expect(sniff(Buffer.from('2030-01-01 INFO\tstarted ✓\n\u001b[31merror\u001b[0m\n'))).toBe('text/plain');
    expect(sniff(bytes([0x00, 0x01, 0x02, 0xfe]))).toBe('application/octet-stream');
    expect(sniff(bytes([0xc3, 0x28]))).toBe('application/octet-stream');
    expect(sniff(Buffer.alloc(0))).toBe('application/octet-stream');
  });

  it('tells markup from text, so HTML or SVG is never served inline as text or image', () => {
    expect(sniff(Buffer.from('\n  <!DOCTYPE html><html><script>alert(1)</script>'))).toBe('text/html');
    expect(sniff(Buffer.from('<script>alert(1)</script>'))).toBe('text/html');
    expect(sniff(Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('image/svg+xml');
    expect(sniff(Buffer.from('<svg onload="alert(1)"></svg>'))).toBe('image/svg+xml');
  });

  it('keeps a long text whose sample ends inside a character', () => {
    const text = Buffer.from('é'.repeat(40000));
    expect(sniff(text)).toBe('text/plain');
  });
});
