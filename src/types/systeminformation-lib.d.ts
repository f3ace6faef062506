// The modules of systeminformation that host/host-info.ts loads one by one (the package
// types only its index); each is CommonJS with the index's functions of the same name.
declare module "systeminformation/lib/cpu.js" {
  const m: { cpu: typeof import("systeminformation").cpu };
  export default m;
}
declare module "systeminformation/lib/memory.js" {
  const m: { mem: typeof import("systeminformation").mem };
  export default m;
}
declare module "systeminformation/lib/osinfo.js" {
  const m: { osInfo: typeof import("systeminformation").osInfo };
  export default m;
}
declare module "systeminformation/lib/filesystem.js" {
  const m: { fsSize: typeof import("systeminformation").fsSize };
  export default m;
}
