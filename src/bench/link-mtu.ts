/** The MTU of an interface inside a lab namespace, as the kernel has it (`ip -j link show`). */
import { execFileRunner } from '../lab/runner.js';

export async function interfaceMtu(namespace: string, ifname: string): Promise<number | null> {
  const { stdout } = await execFileRunner.run({ file: 'ip', args: ['-n', namespace, '-j', 'link', 'show', 'dev', ifname] });
  const [info] = JSON.parse(stdout) as Array<{ mtu?: number }>;
  return info?.mtu ?? null;
}
