import { cleanFileName, contentDisposition } from './file-name';

describe('cleanFileName', () => {
  it('keeps the last path segment of either slash', () => {
    expect(cleanFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
  });

  it('strips control and bidirectional-override characters that could disguise the extension', () => {
    expect(cleanFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(cleanFileName('a\u0000b\nc.txt')).toBe('abc.txt');
  });

  it('cuts at 255 characters without splitting a surrogate pair, and names nothing "file"', () => {
    expect(cleanFileName('a'.repeat(300))).toHaveLength(255);
    expect(cleanFileName('a'.repeat(254) + '😀.png')).toBe('a'.repeat(254));
    expect(cleanFileName('')).toBe('file');
    expect(cleanFileName('..')).toBe('file');
    expect(cleanFileName(undefined)).toBe('file');
  });
});

describe('contentDisposition', () => {
  it('encodes the name as RFC 5987 with an ASCII fallback', () => {
    expect(contentDisposition('attachment', 'résumé "final".pdf')).toBe(
      `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
    expect(contentDisposition('inline', "it's (1).png")).toBe(`inline; filename="it's (1).png"; filename*=UTF-8''it%27s%20%281%29.png`);
  });
});
