import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { USER_MODEL, type UserDoc } from './store.schema';

/** The only code that touches messaging's copy of the usernames. */
@Injectable()
export class UsersRepository {
  private readonly users: mongo.Collection<UserDoc>;

  constructor(@InjectModel(USER_MODEL) model: Model<UserDoc>) {
    this.users = model.collection as unknown as mongo.Collection<UserDoc>;
  }

  /** Usernames never change, so a redelivered event writes the same again. */
  async save(doc: UserDoc): Promise<void> {
    await this.users.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  findByUsernames(usernames: string[]): Promise<UserDoc[]> {
    if (usernames.length === 0) return Promise.resolve([]);
    return this.users.find({ username: { $in: usernames } }).toArray();
  }
}
