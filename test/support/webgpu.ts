/**
 * WebGPU tests skip where no adapter answers (a developer's machine without Vulkan), but not on
 * CI: .ci/run sets CI=1 and installs Mesa's lavapipe, which gives WebGPU a software adapter, so
 * there a WebGPU session that cannot be created is a failure, not a reason to skip.
 */
import type { TestContext } from 'node:test';

export function skipUnlessCi(t: TestContext, why: string): void {
  if (process.env['CI']) throw new Error(`WebGPU is required on CI (lavapipe is installed there) but ${why}`);
  t.skip(`did not run: ${why}`);
}
