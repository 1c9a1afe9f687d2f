import type convict from 'convict';

/**
 * The formats every PFF setting that is not free text uses, registered with convict once
 * (load.ts). convict's own convert before they check: 'nat', 'int' and 'port' go through
 * parseInt (PFF_PORT=80abc is 80) and Boolean takes every string but "false" as true
 * (PFF_PERSISTENT_MESSAGES=no is true). These convert only a string that is wholly the
 * kind of value asked for, and leave any other as it is, for the check to refuse with the
 * value shown (convict adds `: value was "80abc"` to the message, except for a secret).
 */
export const STRICT_FORMATS = {
  /** A count or duration where 0 means something (none, no bound, the first stage). */
  whole: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'must be a whole number, 0 or more'),
  /** A limit, timeout or window where 0 would be meaningless. */
  'positive-whole': wholeNumber(1, Number.MAX_SAFE_INTEGER, 'must be a whole number of at least 1'),
  /** 0 = any free port (tests, several roles on one machine). */
  'tcp-port': wholeNumber(0, 65_535, 'must be a port number, 0 to 65535'),
  /** PFF_MAX_MESSAGE_BYTES: smaller parts would cost a message for every few rows of a batch. */
  'message-bytes': wholeNumber(65_536, Number.MAX_SAFE_INTEGER, 'must be a whole number of bytes, at least 65536'),
  /** PFF_COMMIT_EVERY: batches held unacknowledged, within what a queue's prefetch allows. */
  'commit-every': wholeNumber(1, 256, 'must be a whole number from 1 to 256'),
  flag: {
    // "true" or "false" in any case, nothing else: not 1/0 nor yes/no, one spelling per
    // value; a 0 that convict used to take as true is refused rather than turned false.
    coerce: (value: string): unknown => {
      const word = value.trim().toLowerCase();
      return word === 'true' ? true : word === 'false' ? false : value;
    },
    validate: (value: unknown): void => {
      if (typeof value !== 'boolean') throw new Error('must be true or false');
    },
  },
  /** A role that needs RabbitMQ (`pff worker`, `pff scheduler`, `pff api`). */
  'amqp-url': { validate: (value: unknown): void => checkAmqpUrl(value) },
  /** Empty = the embedded broker (`pff serve`, `pff train`). */
  'amqp-url-or-embedded': {
    validate: (value: unknown): void => {
      if (value !== '') checkAmqpUrl(value);
    },
  },
} satisfies Record<string, convict.Format>;

/** The name a setting's `format` gives to take one of the formats above. */
export type StrictFormat = keyof typeof STRICT_FORMATS;

/**
 * A whole number from `min` to `max`. A string converts only when it is digits alone (a
 * minus sign and surrounding blanks allowed: `-1` is then refused as out of range, shown
 * as the number it is); `80abc`, `8e3`, `0x50`, `1.5` and the empty string stay strings.
 */
function wholeNumber(min: number, max: number, problem: string): convict.Format {
  return {
    coerce: (value: string): unknown => (/^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    validate: (value: unknown): void => {
      if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) throw new Error(problem);
    },
  };
}

/**
 * The URL as amqplib will take it: amqp:// or amqps://, and one the URL parser accepts
 * (not `amqp://[::1`, nor a port over 65535). The message never holds the value: it may
 * carry a password.
 */
function checkAmqpUrl(value: unknown): void {
  if (typeof value !== 'string' || !/^amqps?:\/\/./.test(value)) throw new Error('must be an amqp:// or amqps:// URL');
  if (!URL.canParse(value)) throw new Error('is not a valid URL (amqp://user:password@host:5672/vhost)');
}
