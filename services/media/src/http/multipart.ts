import type { Request } from 'express';
import busboy from 'busboy';
import { ChatError, UPLOAD_FIELD } from '@chat/contracts';

export interface UploadedFile {
  bytes: Buffer;
  /** As the client gave it (cleaned later). */
  filename: string;
}

const tooLarge = (max: number) => new ChatError('PAYLOAD_TOO_LARGE', `the file is larger than ${max} bytes`);

/**
 * Reads the one file of a `multipart/form-data` request (field `file`) into
 * memory, refusing past `maxBytes` as soon as the limit is crossed (413),
 * and a body with no such file, another field or several files (400).
 */
export function readUpload(req: Request, maxBytes: number): Promise<UploadedFile> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  // The multipart framing around the file takes a few hundred bytes; far beyond that, refuse before reading.
  if (Number.isFinite(declared) && declared > maxBytes + 64 * 1024) return Promise.reject(tooLarge(maxBytes));
  return new Promise<UploadedFile>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // fileSize one past the limit: busboy reports reaching it, and a file of exactly maxBytes is fine.
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 2, fields: 1, parts: 3, fileSize: maxBytes + 1, headerPairs: 20 } });
    } catch {
      reject(new ChatError('VALIDATION_FAILED', `send the file as multipart/form-data in the field "${UPLOAD_FIELD}"`));
      return;
    }
    let settled = false;
    let file: UploadedFile | null = null;
    let reading: Promise<void> | null = null;
    const fail = (err: ChatError) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume(); // drain what the client still sends, so it reads the answer
      reject(err);
    };
    parser.on('file', (field, stream, info) => {
      if (reading) {
        stream.resume();
        fail(new ChatError('VALIDATION_FAILED', 'one file per upload'));
        return;
      }
      if (field !== UPLOAD_FIELD) {
        stream.resume();
        fail(new ChatError('VALIDATION_FAILED', `the file must be in the field "${UPLOAD_FIELD}"`));
        return;
      }
      const chunks: Buffer[] = [];
      reading = new Promise<void>((done) => {
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const bytes = Buffer.concat(chunks);
          if (bytes.length > maxBytes) fail(tooLarge(maxBytes));
          else file = { bytes, filename: info.filename ?? '' };
          done();
        });
      });
    });
    parser.on('field', () => fail(new ChatError('VALIDATION_FAILED', `only the field "${UPLOAD_FIELD}" is accepted`)));
    parser.on('filesLimit', () => fail(new ChatError('VALIDATION_FAILED', 'one file per upload')));
    parser.on('partsLimit', () => fail(new ChatError('VALIDATION_FAILED', 'one file per upload')));
    parser.on('error', () => fail(new ChatError('VALIDATION_FAILED', 'malformed multipart body')));
    parser.on('close', () => {
      void (reading ?? Promise.resolve()).then(() => {
        if (settled) return;
        settled = true;
        if (file) resolve(file);
        else reject(new ChatError('VALIDATION_FAILED', `no file in the field "${UPLOAD_FIELD}"`));
      });
    });
    req.on('aborted', () => fail(new ChatError('VALIDATION_FAILED', 'the upload was cut off')));
    req.pipe(parser);
  });
}
