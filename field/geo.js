// GPS on the phone: one fix, a watch with live accuracy, and the distance to the asset
// for the plausibility warning (the server computes it again and flags the record).

const EARTH_RADIUS_M = 6371008.8;

/** Metres between two [lon, lat] points (haversine; plenty for a few hundred metres). */
export function distanceM([lon1, lat1], [lon2, lat2]) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a));
}

/** The asset's point (or first vertex of a line or area), [lon, lat]. */
export function assetPoint(geometry) {
  let c = geometry?.coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) [c] = c;
  return Array.isArray(c) && c.length >= 2 ? [c[0], c[1]] : null;
}

/** {lon, lat, accuracy} from a Geolocation position. */
function toFix(position) {
  const { longitude, latitude, accuracy } = position.coords;
  return { lon: longitude, lat: latitude, accuracy: Math.round(accuracy * 10) / 10, at: Date.now() };
}

export const available = () => 'geolocation' in navigator;

/** True when the page may ask for the position without a prompt. */
export async function permitted() {
  try {
    return (await navigator.permissions.query({ name: 'geolocation' })).state === 'granted';
  } catch {
    return false;
  }
}

/** Follow the position: onFix({lon, lat, accuracy}) on each update; returns stop(). */
export function watch(onFix, onError) {
  if (!available()) {
    onError?.({ code: 0 });
    return () => {};
  }
  const id = navigator.geolocation.watchPosition((p) => onFix(toFix(p)), (e) => onError?.(e), {
    enableHighAccuracy: true, maximumAge: 5000, timeout: 30000,
  });
  return () => navigator.geolocation.clearWatch(id);
}

/** Is this fix farther from the asset than its accuracy plus the margin? */
export function farAway(fix, geometry, marginM) {
  const point = assetPoint(geometry);
  if (!fix || !point) return null;
  const distance = distanceM([fix.lon, fix.lat], point);
  return { distance, far: distance > (fix.accuracy || 0) + marginM };
}
