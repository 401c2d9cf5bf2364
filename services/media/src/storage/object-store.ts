import { Readable } from 'node:stream';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Env } from '../config';

export interface StoredObject {
  body: Readable;
  size: number;
}

/**
 * The only code that talks to the object store, through the S3 API, so any
 * S3-compatible store serves (AWS S3, Ceph, Garage, SeaweedFS…). Keys are
 * `<kind>/<id>/<variant>`; nothing else about an attachment is stored there.
 */
@Injectable()
export class ObjectStore implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(ObjectStore.name);
  private readonly client: S3Client;
  readonly bucket: string;

  constructor(private readonly config: ConfigService<Env, true>) {
    const endpoint = config.get('S3_ENDPOINT', { infer: true });
    const pathStyle = config.get('S3_FORCE_PATH_STYLE', { infer: true });
    const accessKeyId = config.get('S3_ACCESS_KEY_ID', { infer: true });
    const secretAccessKey = config.get('S3_SECRET_ACCESS_KEY', { infer: true });
    this.bucket = config.get('S3_BUCKET', { infer: true });
    this.client = new S3Client({
      region: config.get('S3_REGION', { infer: true }),
      ...(endpoint && { endpoint }),
      forcePathStyle: pathStyle === 'auto' ? !!endpoint : pathStyle === 'true',
      ...(accessKeyId && { credentials: { accessKeyId, secretAccessKey } }),
      // Checksums on every request are what AWS does now; some S3-compatible stores refuse them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /**
   * Makes the bucket when it is missing (S3_CREATE_BUCKET). A store that does not answer yet (an
   * in-cluster one starting beside this service) is asked again every 3 s, each request bounded
   * to 10 s, saying so; after `waitMs` (default 90 s) start-up fails naming the store.
   */
  async onModuleInit(waitMs = 90_000): Promise<void> {
    if (this.config.get('S3_CREATE_BUCKET', { infer: true }) !== 'true') return;
    const endpoint = this.config.get('S3_ENDPOINT', { infer: true }) || 'the SDK default endpoint';
    const deadline = Date.now() + waitMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ensureBucket();
        return;
      } catch (err) {
        // The store answered and refused (a wrong key, no permission): no point in waiting.
        if (err instanceof S3ServiceException && err.$metadata.httpStatusCode && err.$metadata.httpStatusCode < 500) throw err;
        if (Date.now() + 3000 > deadline) throw new Error(`object store at ${endpoint} did not answer for bucket ${this.bucket} within ${waitMs / 1000} s: ${(err as Error).message}`);
        this.log.warn(`object store at ${endpoint} not answering yet (${(err as Error).name}: ${(err as Error).message}); trying again in 3 s (attempt ${attempt})`);
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  }

  private async ensureBucket(): Promise<void> {
    const bounded = () => ({ abortSignal: AbortSignal.timeout(10_000) });
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), bounded());
    } catch (err) {
      if (!(err instanceof S3ServiceException) || err.$metadata.httpStatusCode !== 404) throw err;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }), bounded()).catch((e: unknown) => {
        // Another replica made it meanwhile.
        if (!(e instanceof S3ServiceException) || !/BucketAlready(OwnedByYou|Exists)/.test(e.name)) throw e;
      });
      this.log.log(`created bucket ${this.bucket}`);
    }
  }

  onModuleDestroy(): void {
    this.client.destroy();
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.length }));
  }

  /** The object's bytes as a stream, or null when it is gone. */
  async get(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { body: out.Body as Readable, size: out.ContentLength ?? 0 };
    } catch (err) {
      if (err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) return null;
      throw err;
    }
  }

  readonly name = 'object-store';

  /** Readiness: the bucket answers within two seconds. */
  async isUp(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(2000) });
      return true;
    } catch {
      return false;
    }
  }

  /** Deletes the keys; ones already gone are fine. */
  async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      if (chunk.length === 0) continue;
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
    }
  }
}
