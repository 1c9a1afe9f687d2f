import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks an Authorization header against the configured bearer token in constant time
 * (both sides hashed first, so neither the token's length nor its content leaks
 * through timing).
 */
export function createTokenCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (authorization) => {
    const match = /^Bearer (.+)$/.exec(authorization ?? '');
    if (!match) return false;
    return timingSafeEqual(createHash('sha256').update(match[1]!).digest(), expected);
  };
}
