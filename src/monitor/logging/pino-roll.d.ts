// pino-roll ships no types; this is the part of its API Rampart uses (pino-roll 4).
declare module 'pino-roll' {
  import type SonicBoom from 'sonic-boom';

  export interface PinoRollOptions {
    file: string;
    /** Bytes as a number with a unit suffix (`'10k'`); a bare number means MB. */
    size?: string | number;
    frequency?: 'daily' | 'hourly' | number;
    extension?: string;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    mkdir?: boolean;
  }

  export default function pinoRoll(options: PinoRollOptions): Promise<SonicBoom>;
}
