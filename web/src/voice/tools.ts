// The page's MCP tools (PROTOCOL.md §5): camera, avatar emotion, photo, volume. Arguments are checked here; a bad
// argument comes back as an `isError` result that says what was wrong and what is allowed, so a model can retry.

import { EMOTIONS, isEmotion, type Emotion } from '../avatar/emotions';
import { toolError, toolText, type Tool, type ToolResult } from '../mcp/server';

export type PhotoSource = 'local' | 'remote';

export interface Photo {
  /** Absolute URL of the stored JPEG. */
  url: string;
  width: number;
  height: number;
  bytes: number;
}

/** What the tools act on: the page implements it with its camera, avatar, video elements and audio element. */
export interface Hardware {
  setCamera(enabled: boolean): Promise<void>;
  setEmotion(emotion: Emotion): void;
  takePhoto(source: PhotoSource, quality: number): Promise<Photo>;
  setVolume(change: { volume?: number; muted?: boolean }): { volume: number; muted: boolean };
}

export const DEFAULT_PHOTO_QUALITY = 0.85;

/** An `isError` result for arguments outside `allowed`, or null when there are none. */
function unknownArguments(tool: string, args: Record<string, unknown>, allowed: readonly string[]): ToolResult | null {
  const unknown = Object.keys(args).filter((k) => !allowed.includes(k));
  if (unknown.length === 0) return null;
  const known = allowed.length > 0 ? allowed.join(', ') : 'none';
  return toolError(`${tool}: unknown argument(s) ${unknown.join(', ')}; the arguments are ${known}`);
}

export function hardwareTools(hardware: Hardware): Tool[] {
  return [
    {
      name: 'control_camera',
      title: 'Camera on/off',
      description: "Turns the user's camera on or off in the voice page (the camera picture is also sent with the call).",
      inputSchema: {
        type: 'object',
        properties: { enabled: { type: 'boolean', description: 'true turns the camera on, false turns it off' } },
        required: ['enabled'],
        additionalProperties: false,
      },
      async call(args) {
        const unknown = unknownArguments('control_camera', args, ['enabled']);
        if (unknown) return unknown;
        if (typeof args.enabled !== 'boolean') return toolError('control_camera: "enabled" is required and must be true or false');
        await hardware.setCamera(args.enabled);
        return toolText(args.enabled ? 'Camera is on.' : 'Camera is off.', { enabled: args.enabled });
      },
    },
    {
      name: 'change_emotion',
      title: 'Avatar emotion',
      description: "Changes the emotion shown by the assistant's avatar in the voice page.",
      inputSchema: {
        type: 'object',
        properties: { emotion: { type: 'string', enum: [...EMOTIONS], description: 'the emotion to show' } },
        required: ['emotion'],
        additionalProperties: false,
      },
      call(args) {
        const unknown = unknownArguments('change_emotion', args, ['emotion']);
        if (unknown) return unknown;
        if (!isEmotion(args.emotion)) {
          return toolError(`change_emotion: "emotion" must be one of ${EMOTIONS.join(', ')}; got ${JSON.stringify(args.emotion ?? null)}`);
        }
        hardware.setEmotion(args.emotion);
        return toolText(`The avatar shows the emotion "${args.emotion}" now.`, { emotion: args.emotion });
      },
    },
    {
      name: 'take_photo',
      title: 'Take a photo',
      description:
        "Takes a JPEG photo from the user's camera (source \"local\", the default; the camera must be on) or from the video received in the call (\"remote\") and returns its URL.",
      inputSchema: {
        type: 'object',
        properties: {
          source: { type: 'string', enum: ['local', 'remote'], default: 'local' },
          quality: { type: 'number', minimum: 0, maximum: 1, default: DEFAULT_PHOTO_QUALITY, description: 'JPEG quality' },
        },
        additionalProperties: false,
      },
      async call(args) {
        const unknown = unknownArguments('take_photo', args, ['source', 'quality']);
        if (unknown) return unknown;
        const source = args.source ?? 'local';
        if (source !== 'local' && source !== 'remote') return toolError('take_photo: "source" must be "local" or "remote"');
        const quality = args.quality ?? DEFAULT_PHOTO_QUALITY;
        if (typeof quality !== 'number' || !Number.isFinite(quality) || quality < 0 || quality > 1) {
          return toolError('take_photo: "quality" must be a number from 0 to 1');
        }
        const photo = await hardware.takePhoto(source, quality);
        return toolText(`Photo taken (${photo.width}×${photo.height}, ${Math.round(photo.bytes / 1024)} KiB): ${photo.url}`, { ...photo });
      },
    },
    {
      name: 'control_volume',
      title: 'Volume',
      description: "Sets the volume (0–100) of the assistant's voice in the voice page, or mutes/unmutes it.",
      inputSchema: {
        type: 'object',
        properties: {
          volume: { type: 'number', minimum: 0, maximum: 100, description: 'loudness in percent' },
          muted: { type: 'boolean', description: 'true mutes, false unmutes' },
        },
        minProperties: 1,
        additionalProperties: false,
      },
      call(args) {
        const unknown = unknownArguments('control_volume', args, ['volume', 'muted']);
        if (unknown) return unknown;
        const { volume, muted } = args;
        if (volume === undefined && muted === undefined) return toolError('control_volume: give "volume" (0–100), "muted" (true/false) or both');
        if (volume !== undefined && (typeof volume !== 'number' || !Number.isFinite(volume) || volume < 0 || volume > 100)) {
          return toolError('control_volume: "volume" must be a number from 0 to 100');
        }
        if (muted !== undefined && typeof muted !== 'boolean') return toolError('control_volume: "muted" must be true or false');
        const change: { volume?: number; muted?: boolean } = {};
        if (volume !== undefined) change.volume = Math.round(volume);
        if (muted !== undefined) change.muted = muted;
        const now = hardware.setVolume(change);
        return toolText(`Volume ${now.volume}%${now.muted ? ', muted' : ''}.`, { ...now });
      },
    },
  ];
}
