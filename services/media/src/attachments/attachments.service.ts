import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ChatError, type Attachment } from '@chat/contracts';
import type { AttachmentRecord, CommandPayload, CommandReply } from '@chat/contracts/bus';
import { cleanFileName, UrlSigner, VARIANTS, withUrls, type Variant } from '@chat/platform-media';
import type { Env } from '../config';
import type { UploadedFile } from '../http/multipart';
import type { Served } from '../http/serve';
import { ObjectStore } from '../storage/object-store';
import { AttachmentsRepository } from './attachments.repository';
import type { AttachmentDoc, ClaimDoc } from './attachments.schema';
import { inspectImage } from './images';
import { IMAGE_TYPES, sniff } from './sniff';

const key = (id: string, variant: Variant) => `a/${id}/${variant}`;
const invalid = (message: string) => new ChatError('VALIDATION_FAILED', message);
/** One answer for every URL that does not lead to bytes: expired, altered, unknown or deleted. */
const gone = () => new ChatError('NOT_FOUND', 'no such file, or its link expired');

export function newMediaId(): string {
  return randomBytes(16).toString('base64url');
}

/** What a message keeps of an attachment. */
export function toRecord(doc: AttachmentDoc): AttachmentRecord {
  return { id: doc._id, name: doc.name, size: doc.size, contentType: doc.contentType, width: doc.width, height: doc.height, thumbnail: doc.thumbnail };
}

/**
 * Uploads: sniffed, measured and thumbnailed once, bytes in the object store,
 * the record in `attachments`. A send claims them (each into one message
 * only); a deleted message releases them (bytes and record go); the sweeper
 * deletes what nobody sent within UNCLAIMED_TTL_SEC.
 */
@Injectable()
export class AttachmentsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(AttachmentsService.name);
  readonly signer: UrlSigner;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: AttachmentsRepository,
    private readonly store: ObjectStore,
    private readonly config: ConfigService<Env, true>,
  ) {
    this.signer = new UrlSigner(config.get('MEDIA_URL_SECRET', { infer: true }), config.get('MEDIA_URL_TTL_SEC', { infer: true }));
  }

  onApplicationBootstrap(): void {
    const every = this.config.get('SWEEP_INTERVAL_SEC', { infer: true }) * 1000;
    this.sweeper = setInterval(() => void this.sweep().catch((err: unknown) => this.log.warn({ err }, 'sweep failed; next time')), every);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async upload(ownerId: string, file: UploadedFile): Promise<Attachment> {
    const contentType = sniff(file.bytes);
    const image = IMAGE_TYPES.has(contentType) ? await inspectImage(file.bytes, this.config.get('IMAGE_MAX_PIXELS', { infer: true })) : null;
    const doc: AttachmentDoc = {
      _id: newMediaId(),
      ownerId,
      name: cleanFileName(file.filename),
      size: file.bytes.length,
      // An image that does not decode is kept, but as bytes nobody renders.
      contentType: IMAGE_TYPES.has(contentType) && !image ? 'application/octet-stream' : contentType,
      width: image?.width ?? null,
      height: image?.height ?? null,
      thumbnail: !!image?.thumbnail,
      createdAt: new Date(),
      claim: null,
    };
    await this.store.put(key(doc._id, 'original'), file.bytes, doc.contentType);
    if (image?.thumbnail) await this.store.put(key(doc._id, 'thumbnail'), image.thumbnail, 'image/webp');
    await this.repo.insert(doc);
    return this.signed(toRecord(doc));
  }

  /** The protocol's Attachment with freshly signed URLs (for the uploader; messaging signs its own). */
  signed(r: AttachmentRecord): Attachment {
    return withUrls(this.signer, r);
  }

  async claim(p: CommandPayload<'media.claim'>): Promise<CommandReply<'media.claim'>> {
    const claim: ClaimDoc = { conversationId: p.conversationId, clientMsgId: p.clientMsgId };
    const mine = (d: AttachmentDoc) => d.claim?.conversationId === claim.conversationId && d.claim.clientMsgId === claim.clientMsgId;
    const docs = new Map((await this.repo.findByIds(p.attachmentIds)).map((d) => [d._id, d]));
    for (const id of p.attachmentIds) {
      const d = docs.get(id);
      // Someone else's upload reads exactly like an unknown one.
      // So does one the sweeper has taken: its bytes are going or gone.
      if (!d || d.ownerId !== p.actorId || d.sweptAt) throw invalid(`no upload ${id} of yours`);
      if (d.claim && !mine(d)) throw invalid(`upload ${id} is already in a message`);
    }
    const taken: string[] = [];
    for (const id of p.attachmentIds) {
      if (docs.get(id)!.claim) continue;
      if (await this.repo.claim(id, p.actorId, claim)) {
        taken.push(id);
        continue;
      }
      const now = await this.repo.findById(id);
      if (now && mine(now)) continue;
      for (const t of taken) await this.repo.unclaim(t, claim);
      throw invalid(now && !now.sweptAt ? `upload ${id} is already in a message` : `no upload ${id} of yours`);
    }
    return { attachments: p.attachmentIds.map((id) => toRecord(docs.get(id)!)) };
  }

  /** The messages holding these were deleted: bytes first, then the records (a retry finds what is left). */
  async release(ids: readonly string[]): Promise<void> {
    await this.store.remove(ids.flatMap((id) => VARIANTS.map((v) => key(id, v))));
    await this.repo.remove(ids);
  }

  /**
   * Deletes uploads nobody sent in time; answers how many. A send may claim
   * one while the sweep runs, so each is first marked, only if still
   * unclaimed; a marked upload can no longer be claimed, and only marked ones
   * are deleted.
   */
  async sweep(now = Date.now()): Promise<number> {
    const before = new Date(now - this.config.get('UNCLAIMED_TTL_SEC', { infer: true }) * 1000);
    let swept = 0;
    for (;;) {
      const stale = await this.repo.findUnclaimed(before, 200);
      if (stale.length === 0) return swept;
      const doomed = await this.repo.markSwept(stale.map((d) => d._id), new Date(now));
      await this.release(doomed);
      swept += doomed.length;
      if (doomed.length) this.log.log(`swept ${doomed.length} uploads never sent`);
    }
  }

  /** The bytes a signed URL names; NOT_FOUND when the URL is expired, altered, or the attachment is gone. */
  async open(id: string, variant: string, expires: string, sig: string): Promise<Served> {
    if (!(VARIANTS as readonly string[]).includes(variant) || !/^\d{1,12}$/.test(expires)) throw gone();
    const grant = { id, variant: variant as Variant, expires: Number(expires) };
    if (!this.signer.verify(grant, sig)) throw gone();
    const doc = await this.repo.findById(id);
    if (!doc || (grant.variant === 'thumbnail' && !doc.thumbnail)) throw gone();
    const object = await this.store.get(key(id, grant.variant));
    if (!object) throw gone();
    const thumbnail = grant.variant === 'thumbnail';
    return {
      body: object.body,
      size: object.size,
      contentType: thumbnail ? 'image/webp' : doc.contentType,
      name: thumbnail ? `${doc.name}.webp` : doc.name,
      maxAgeSec: grant.expires - Math.floor(Date.now() / 1000),
    };
  }
}
