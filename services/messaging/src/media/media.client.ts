import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Attachment } from '@chat/contracts';
import type { AttachmentRecord, CommandReply } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';
import { UrlSigner, withUrls } from '@chat/platform-media';
import type { Env } from '../config';

/** Signs the URLs of a message's attachments: messages are shown to members only, so whoever gets one may fetch its files. */
export type SignAttachments = (records: readonly AttachmentRecord[]) => Attachment[];

/**
 * What messaging needs of the media service: a claim of uploads at a send
 * (a Kafka request to media, keyed by the sender), and URLs signed here with
 * the shared key, so a history page, a push or a search signs locally
 * instead of asking media once per message.
 */
@Injectable()
export class MediaClient {
  private readonly signer: UrlSigner;

  constructor(
    private readonly bus: KafkaBus,
    config: ConfigService<Env, true>,
  ) {
    this.signer = new UrlSigner(config.get('MEDIA_URL_SECRET', { infer: true }), config.get('MEDIA_URL_TTL_SEC', { infer: true }));
  }

  readonly sign: SignAttachments = (records) => {
    const now = Date.now();
    return records.map((r) => withUrls(this.signer, r, now));
  };

  /** Takes the sender's uploads into one send (the same send again gets the same answer). */
  async claim(actorId: string, conversationId: string, clientMsgId: string, attachmentIds: string[]): Promise<CommandReply<'media.claim'>['attachments']> {
    const { attachments } = await this.bus.request('media.claim', actorId, { actorId, conversationId, clientMsgId, attachmentIds });
    return attachments;
  }
}
