import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import sharp from 'sharp';
import { ChatError, type User } from '@chat/contracts';
import { AVATARS_PATH } from '@chat/platform-media';
import { newMediaId } from '../attachments/attachments.service';
import { IMAGE_TYPES, sniff } from '../attachments/sniff';
import type { Env } from '../config';
import type { UploadedFile } from '../http/multipart';
import type { Served } from '../http/serve';
import { ObjectStore } from '../storage/object-store';
import { AvatarsRepository } from './avatars.repository';
import type { AvatarDoc } from './avatars.schema';

/** The side of the square every avatar is stored as. */
export const AVATAR_SIZE = 256;
const key = (id: string) => `avatars/${id}`;
const YEAR_SEC = 365 * 24 * 3600;

/**
 * Avatars: stored re-encoded (a 256x256 WebP without the original's metadata,
 * so no location or camera data leaks through a public URL), served by an
 * unguessable id that changes with every new avatar. The users service holds
 * which one is current; when `user.updated` shows another (or none), the
 * replaced ones are deleted.
 */
@Injectable()
export class AvatarsService {
  constructor(
    private readonly repo: AvatarsRepository,
    private readonly store: ObjectStore,
    private readonly config: ConfigService<Env, true>,
  ) {}

  async save(userId: string, file: UploadedFile): Promise<string> {
    if (!IMAGE_TYPES.has(sniff(file.bytes))) throw new ChatError('VALIDATION_FAILED', 'an avatar must be a PNG, JPEG, WebP or GIF image');
    let bytes: Buffer;
    try {
      bytes = await sharp(file.bytes, { limitInputPixels: this.config.get('IMAGE_MAX_PIXELS', { infer: true }), pages: 1 })
        .rotate()
        .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' })
        .webp({ quality: 85 })
        .toBuffer();
    } catch {
      throw new ChatError('VALIDATION_FAILED', 'the image could not be read');
    }
    const doc: AvatarDoc = { _id: newMediaId(), userId, createdAt: new Date() };
    await this.store.put(key(doc._id), bytes, 'image/webp');
    await this.repo.insert(doc);
    return doc._id;
  }

  async open(id: string): Promise<Served> {
    const doc = await this.repo.findById(id);
    const object = doc ? await this.store.get(key(id)) : null;
    if (!object) throw new ChatError('NOT_FOUND', 'no such avatar');
    return { body: object.body, size: object.size, contentType: 'image/webp', name: 'avatar.webp', maxAgeSec: YEAR_SEC, public: true };
  }

  /**
   * A profile changed (published at `at`): delete the avatars it no longer
   * shows, all of them for a deleted account. Only avatars stored before the
   * change was published: one stored since may be about to become current.
   */
  async profileChanged(user: User, deleted: boolean, at: Date): Promise<void> {
    const current = !deleted && user.avatarUrl?.startsWith(`${AVATARS_PATH}/`) ? user.avatarUrl.slice(AVATARS_PATH.length + 1) : null;
    const replaced = await this.repo.findReplaced(user.id, current, at);
    if (replaced.length === 0) return;
    await this.store.remove(replaced.map((d) => key(d._id)));
    await this.repo.remove(replaced.map((d) => d._id));
  }
}
