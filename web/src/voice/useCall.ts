import { useEffect, useReducer, useState } from 'react';
import type { CallSession, CallState, LogEntry } from '../call/session';
import { initialSubtitles, subtitlesReducer } from '../call/subtitles';

const LIVE: readonly CallState[] = ['mqtt', 'offering', 'answered', 'connected'];

/** Follows one call: its state, step log, subtitles and the remote media. */
export function useCall(create: () => CallSession) {
  const [session] = useState(create);
  const [state, setState] = useState<CallState>(session.state);
  const [log, setLog] = useState<readonly LogEntry[]>([]);
  const [subtitles, dispatch] = useReducer(subtitlesReducer, initialSubtitles);
  const [remote, setRemote] = useState<MediaStream | null>(null);

  useEffect(() => {
    const off = session.listen({
      state: (s) => {
        setState(s);
        if (!LIVE.includes(s)) dispatch({ type: 'reset' });
      },
      log: () => setLog([...session.log]),
      voiceEvent: dispatch,
      remoteTrack: (track) => setRemote((previous) => (track ? new MediaStream([...(previous?.getTracks() ?? []), track]) : null)),
    });
    return () => {
      off();
      session.disconnect();
    };
  }, [session]);

  return { session, state, log, subtitles, dispatch, remote };
}
