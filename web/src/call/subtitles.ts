// Live subtitles from the voice events (PROTOCOL.md §4): what the proxy heard (asr_response), what it is saying
// (tts_text between tts_begin and tts_complete/tts_terminate) and whether the agent is thinking (loading).

import type { VoiceEvent } from './protocol';

export interface Line {
  who: 'user' | 'assistant';
  text: string;
  /** Speech cut short by tts_terminate. */
  cut?: boolean;
}

export interface Subtitles {
  heard: { text: string; interim: boolean } | null;
  spoken: { taskId: string; text: string; status: 'speaking' | 'done' | 'cut' } | null;
  thinking: boolean;
  notice: string | null;
  transcript: Line[];
}

export type SubtitleAction = VoiceEvent | { type: 'typed'; text: string } | { type: 'reset' };

export const MAX_TRANSCRIPT = 30;

export const initialSubtitles: Subtitles = { heard: null, spoken: null, thinking: false, notice: null, transcript: [] };

const CJK = /[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/;

/** Joins spoken chunks: no space around CJK text or before punctuation, one space between words otherwise. */
export function joinChunk(text: string, chunk: string): string {
  if (text === '' || chunk === '') return text + chunk;
  const last = text.at(-1)!;
  const first = chunk[0]!;
  if (/\s/.test(last) || /\s/.test(first) || CJK.test(last) || CJK.test(first) || /[.,!?;:)\]}'"”’]/.test(first)) return text + chunk;
  return `${text} ${chunk}`;
}

function remember(transcript: Line[], line: Line): Line[] {
  if (line.text.trim() === '') return transcript;
  return [...transcript, line].slice(-MAX_TRANSCRIPT);
}

function finish(state: Subtitles, status: 'done' | 'cut', taskId: string): Subtitles {
  const spoken = state.spoken;
  if (!spoken || spoken.status !== 'speaking' || (taskId && spoken.taskId && spoken.taskId !== taskId)) return state;
  const line: Line = status === 'cut' ? { who: 'assistant', text: spoken.text, cut: true } : { who: 'assistant', text: spoken.text };
  return { ...state, spoken: { ...spoken, status }, transcript: remember(state.transcript, line) };
}

export function subtitlesReducer(state: Subtitles, action: SubtitleAction): Subtitles {
  switch (action.type) {
    case 'asr_response':
      if (!action.final) return { ...state, heard: { text: action.text, interim: true } };
      return { ...state, heard: { text: action.text, interim: false }, transcript: remember(state.transcript, { who: 'user', text: action.text }) };
    case 'typed':
      return { ...state, heard: { text: action.text, interim: false }, transcript: remember(state.transcript, { who: 'user', text: action.text }) };
    case 'tts_begin': {
      // a new utterance closes one still open (its tts_complete was lost)
      const closed = state.spoken?.status === 'speaking' ? finish(state, 'done', '') : state;
      return { ...closed, spoken: { taskId: action.taskId, text: '', status: 'speaking' }, thinking: false };
    }
    case 'tts_text': {
      const spoken = state.spoken;
      if (spoken && spoken.status === 'speaking' && (!action.taskId || !spoken.taskId || spoken.taskId === action.taskId)) {
        return { ...state, spoken: { ...spoken, text: joinChunk(spoken.text, action.text) }, thinking: false };
      }
      // text without a tts_begin (or for another task): start a new utterance with it
      const closed = spoken?.status === 'speaking' ? finish(state, 'done', '') : state;
      return { ...closed, spoken: { taskId: action.taskId, text: action.text, status: 'speaking' }, thinking: false };
    }
    case 'tts_complete':
      return finish(state, 'done', action.taskId);
    case 'tts_terminate':
      return finish(state, 'cut', action.taskId);
    case 'loading':
      return { ...state, thinking: action.processing };
    case 'notice':
      return { ...state, notice: action.text };
    case 'reset':
      return { ...initialSubtitles, transcript: state.transcript };
  }
}

/** The avatar moves its mouth while speech is being played. */
export function isSpeaking(state: Subtitles): boolean {
  return state.spoken?.status === 'speaking';
}
