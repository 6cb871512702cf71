import { useEffect, useState } from 'react';
import { Connection, type ConnectionOptions, type ConnectionState } from './connection';

/** Opens the page's one connection for as long as the component lives, and follows its state. */
export function useConnection(options: () => ConnectionOptions): { conn: Connection; state: ConnectionState; failure: string | null } {
  const [conn] = useState(() => new Connection(options()));
  const [state, setState] = useState<ConnectionState>(conn.state);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    const off = conn.onState((s) => {
      setState(s);
      if (s === 'online') setFailure(null);
    });
    const offFailure = conn.onFailure((e) => setFailure(String((e as Error).message ?? e)));
    void conn.start();
    return () => {
      off();
      offFailure();
      conn.stop();
    };
  }, [conn]);
  return { conn, state, failure };
}
