import type { Command } from 'commander';

/** keygen, ca init/sign/revoke, cert show/verify. (Filled in by the identity work.) */
export function registerIdentityCommands(_program: Command): void {}
