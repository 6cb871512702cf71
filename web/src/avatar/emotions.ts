// The avatar's twelve emotions (the change_emotion tool, PROTOCOL.md §5) and the face each one draws: pure data
// and geometry, so that the look of every emotion is tested without a browser.

export const EMOTIONS = [
  'happy',
  'sad',
  'angry',
  'surprised',
  'thinking',
  'playful',
  'relaxed',
  'serious',
  'shy',
  'tired',
  'disappointed',
  'laugh',
] as const;

export type Emotion = (typeof EMOTIONS)[number];

/** What the avatar shows before anyone asks for an emotion. */
export const DEFAULT_EMOTION: Emotion = 'relaxed';

export function isEmotion(value: unknown): value is Emotion {
  return typeof value === 'string' && (EMOTIONS as readonly string[]).includes(value);
}

/**
 * Eye shapes: open ovals (`round`, `wide`, `narrow`), closed lines (`smile` ^ ^, `closed` u u, `squeeze` > <),
 * `half` (heavy lids), `wink` (left open, right smiling), `up` (looking up and aside).
 */
export type EyeShape = 'round' | 'wide' | 'narrow' | 'smile' | 'closed' | 'squeeze' | 'half' | 'wink' | 'up' | 'down';

export type Extra = 'blush' | 'tear' | 'vein' | 'sparkles' | 'zzz' | 'question' | 'tongue' | 'sweat';

export interface Face {
  eyes: EyeShape;
  /** Degrees; positive raises the inner ends (worried), negative lowers them (cross). */
  browTilt: number;
  /** Pixels above the resting height. */
  browLift: number;
  /** -1 (frown) … 1 (smile). */
  mouthCurve: number;
  /** 0 (closed) … 1 (wide open). */
  mouthOpen: number;
  /** Width in pixels (the face is 200 wide). */
  mouthWidth: number;
  /** Horizontal shift of the mouth (a lopsided smirk). */
  mouthShift: number;
  extras: readonly Extra[];
}

export const FACES: Readonly<Record<Emotion, Face>> = {
  happy: { eyes: 'smile', browTilt: 0, browLift: 4, mouthCurve: 0.8, mouthOpen: 0.25, mouthWidth: 56, mouthShift: 0, extras: ['blush'] },
  sad: { eyes: 'down', browTilt: 18, browLift: 0, mouthCurve: -0.6, mouthOpen: 0, mouthWidth: 40, mouthShift: 0, extras: ['tear'] },
  angry: { eyes: 'narrow', browTilt: -24, browLift: -4, mouthCurve: -0.6, mouthOpen: 0, mouthWidth: 46, mouthShift: 0, extras: ['vein'] },
  surprised: { eyes: 'wide', browTilt: 0, browLift: 12, mouthCurve: 0, mouthOpen: 0.9, mouthWidth: 22, mouthShift: 0, extras: ['sparkles'] },
  thinking: { eyes: 'up', browTilt: -8, browLift: 6, mouthCurve: -0.1, mouthOpen: 0, mouthWidth: 26, mouthShift: 12, extras: ['question'] },
  playful: { eyes: 'wink', browTilt: 0, browLift: 6, mouthCurve: 0.7, mouthOpen: 0.35, mouthWidth: 46, mouthShift: 4, extras: ['tongue'] },
  relaxed: { eyes: 'closed', browTilt: 4, browLift: 2, mouthCurve: 0.35, mouthOpen: 0, mouthWidth: 38, mouthShift: 0, extras: [] },
  serious: { eyes: 'round', browTilt: -10, browLift: -2, mouthCurve: 0, mouthOpen: 0, mouthWidth: 40, mouthShift: 0, extras: [] },
  shy: { eyes: 'down', browTilt: 12, browLift: 2, mouthCurve: 0.3, mouthOpen: 0, mouthWidth: 20, mouthShift: 0, extras: ['blush', 'sweat'] },
  tired: { eyes: 'half', browTilt: 6, browLift: -2, mouthCurve: 0, mouthOpen: 0.55, mouthWidth: 18, mouthShift: 0, extras: ['zzz'] },
  disappointed: { eyes: 'half', browTilt: 14, browLift: 0, mouthCurve: -0.4, mouthOpen: 0, mouthWidth: 46, mouthShift: -4, extras: ['sweat'] },
  laugh: { eyes: 'squeeze', browTilt: 0, browLift: 8, mouthCurve: 1, mouthOpen: 0.8, mouthWidth: 64, mouthShift: 0, extras: ['blush', 'sparkles'] },
};

export const MOUTH_Y = 138;
const CENTER_X = 100;

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * The mouth as an SVG path: a curved line when closed; when open, a shape whose lower lip bends further — or, wide
 * open without a smile or frown, an "O".
 */
export function mouthPath(face: Face): string {
  const half = face.mouthWidth / 2;
  const x = CENTER_X + face.mouthShift;
  const left = round(x - half);
  const right = round(x + half);
  if (face.mouthOpen >= 0.5 && Math.abs(face.mouthCurve) < 0.2) {
    const ry = round(6 + face.mouthOpen * 12);
    const cy = round(MOUTH_Y + 4);
    return `M ${left} ${cy} A ${round(half)} ${ry} 0 1 0 ${right} ${cy} A ${round(half)} ${ry} 0 1 0 ${left} ${cy} Z`;
  }
  const y = MOUTH_Y - face.mouthCurve * 6;
  const control = round(y + face.mouthCurve * 20);
  if (face.mouthOpen <= 0) return `M ${left} ${round(y)} Q ${round(x)} ${control} ${right} ${round(y)}`;
  const lower = round(control + 8 + face.mouthOpen * 34);
  return `M ${left} ${round(y)} Q ${round(x)} ${control} ${right} ${round(y)} Q ${round(x)} ${lower} ${left} ${round(y)} Z`;
}

/** One eyebrow as a line from its outer to its inner end; `side` -1 is the left eye, 1 the right. */
export function browLine(face: Face, side: -1 | 1): { x1: number; y1: number; x2: number; y2: number } {
  const eyeX = CENTER_X + side * 32;
  const y = 58 - face.browLift;
  const rise = Math.tan((face.browTilt * Math.PI) / 180) * 12;
  // the inner end is the one nearer the nose
  return { x1: round(eyeX + side * 13), y1: round(y + rise), x2: round(eyeX - side * 13), y2: round(y - rise) };
}
