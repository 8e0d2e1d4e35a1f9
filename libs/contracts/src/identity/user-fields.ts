import { field } from '../schema/fields';

/** Fields several identity commands share, with the read model's limits (users: VARCHAR(255)). */
export const userFields = {
  id: field.uuid().optional().describe('the new entity’s id; derived from the command id when left out'),
  userId: field.uuid(),
  username: field.text({ minLength: 1, maxLength: 255, noControlCharacters: true }),
  email: field.email(255).describe('unique across users, compared case-insensitively'),
  password: field
    .text({ minLength: 12, maxLength: 1024 })
    .secret()
    .describe('stored only as a salted scrypt hash'),
};
