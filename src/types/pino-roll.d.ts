declare module "pino-roll" {
  import type { DestinationStream } from "pino";
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: string | number;
    extension?: string;
    symlink?: boolean;
    mkdir?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    mode?: number;
  }
  export default function roll(options: PinoRollOptions): Promise<DestinationStream>;
}
