// Spoken test input: a phrase said by Debian's espeak-ng, padded with silence, as a WAV file Chromium's fake
// microphone (--use-file-for-fake-audio-capture) plays once.

import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

export const ESPEAK = '/usr/bin/espeak-ng';

export function espeakAvailable(): boolean {
  return existsSync(ESPEAK);
}

/** Writes `phrase` (US English, 140 words per minute, 16-bit mono) between two silences to `path`. */
export function speechWav(path: string, phrase: string, silenceBeforeMs: number, silenceAfterMs: number): void {
  const wav = execFileSync(ESPEAK, ['-v', 'en-us', '-s', '140', '--stdout', phrase], { maxBuffer: 64 << 20 });
  const { rate, samples } = pcm16(wav);
  const before = Buffer.alloc(Math.round((rate * silenceBeforeMs) / 1000) * 2);
  const after = Buffer.alloc(Math.round((rate * silenceAfterMs) / 1000) * 2);
  const data = Buffer.concat([before, samples, after]);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/** The sample rate and 16-bit mono samples of a WAV; espeak-ng on a pipe leaves the data chunk's size unknown. */
function pcm16(wav: Buffer): { rate: number; samples: Buffer } {
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') throw new Error('espeak-ng wrote no WAV');
  let rate = 0;
  for (let at = 12; at + 8 <= wav.length; ) {
    const id = wav.toString('ascii', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      if (wav.readUInt16LE(at + 8) !== 1 || wav.readUInt16LE(at + 10) !== 1 || wav.readUInt16LE(at + 22) !== 16) {
        throw new Error('expected 16-bit mono PCM from espeak-ng');
      }
      rate = wav.readUInt32LE(at + 12);
    } else if (id === 'data') {
      const end = Math.min(wav.length, at + 8 + size);
      return { rate, samples: wav.subarray(at + 8, end - ((end - at - 8) % 2)) };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('no data chunk in the WAV from espeak-ng');
}
