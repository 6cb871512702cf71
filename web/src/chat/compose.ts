// The composer's length limit, counted as the service counts it: characters (code points) of the trimmed text.

/** The length of a message as the service counts it against `max_message_chars`. */
export function messageLength(text: string): number {
  let count = 0;
  for (const _ of text.trim()) count += 1;
  return count;
}

/** The counter shows from 90 % of the limit on (always when over it). */
export function counterShown(length: number, max: number): boolean {
  return length >= Math.floor(max * 0.9);
}
