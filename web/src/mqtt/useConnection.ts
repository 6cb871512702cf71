import { useEffect, useState } from 'react';
import { Connection, type ConnectionOptions, type ConnectionState } from './connection';

/**
 * Opens the page's one connection for as long as the component lives, and follows its state. `failure` holds why the
 * credentials could not be had (the error as thrown, for the page to put in words) until the connection is online.
 */
export function useConnection(options: () => ConnectionOptions): {
  conn: Connection;
  state: ConnectionState;
  failure: { error: unknown } | null;
} {
  const [conn] = useState(() => new Connection(options()));
  const [state, setState] = useState<ConnectionState>(conn.state);
  const [failure, setFailure] = useState<{ error: unknown } | null>(null);
  useEffect(() => {
    const off = conn.onState((s) => {
      setState(s);
      if (s === 'online') setFailure(null);
    });
    const offFailure = conn.onFailure((error) => setFailure({ error }));
    void conn.start();
    return () => {
      off();
      offFailure();
      conn.stop();
    };
  }, [conn]);
  return { conn, state, failure };
}
