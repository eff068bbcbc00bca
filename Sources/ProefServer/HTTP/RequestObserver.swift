import Foundation
import Hummingbird

/// Sees every request once it is answered: counts it for `/metrics` and, for the service's own
/// log, writes a line with method, path (never the query), status and milliseconds under the
/// request's `hb.request.id`. Outermost, so it sees the status every other layer settled on.
struct RequestObserver<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics
    let logRequests: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func observe(_ status: Int) {
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            metrics.record(route: context.endpointPath ?? "unmatched", method: "\(request.method)", status: status, seconds: seconds)
            guard logRequests else { return }
            context.logger.info("request", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)", "ms": "\(String(format: "%.1f", seconds * 1000))",
            ])
        }
        do {
            let response = try await next(request, context)
            observe(Int(response.status.code))
            return response
        } catch let error as HTTPError {
            observe(Int(error.status.code))
            throw error
        } catch {
            observe(500)
            throw error
        }
    }
}
